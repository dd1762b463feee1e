"""``manage.py makemessages -l en``, with this project's defaults.

The source texts are Vietnamese; ``locale/en/LC_MESSAGES/django.po`` holds their English
translations. Run from the project root::

    .venv/bin/python manage.py makemessages -l en
    # translate the new entries (no fuzzy or empty msgstr), then
    .venv/bin/python manage.py compilemessages -l en

The committed ``django.mo`` must match the ``.po``; ``tests/test_i18n_catalogue.py`` checks
both against the code. Do not run it for ``-l vi``: ``locale/vi`` holds hand-written overrides
of the installed apps' Vietnamese catalogues, not the project's own strings.

Defaults added to Django's command: tests, benchmarks, docs, deployment files, migrations and
generated output are not scanned; entries that left the code are dropped (``--no-obsolete``);
locations name the file only, so a moved line does not change the catalogue.
"""

from __future__ import annotations

from typing import Any

from django.core.management.commands import makemessages

# Folder or file names (glob) never scanned for translatable strings.
PROJECT_IGNORES = ["tests", "bench", "docs", "deploy", "var", "test-artifacts", "migrations"]


class Command(makemessages.Command):
    def handle(self, *args: Any, **options: Any) -> None:
        options["ignore_patterns"] = [*options.get("ignore_patterns", []), *PROJECT_IGNORES]
        options["no_obsolete"] = True
        if options.get("add_location") is None:
            options["add_location"] = "file"
        super().handle(*args, **options)
