"""The English catalogue (``locale/en/LC_MESSAGES/django.po``) translates every string the code
marks for translation, with no fuzzy or empty entry, and the committed ``django.mo`` is its
compiled form.

The strings in the code are found by the project's own ``manage.py makemessages`` run over a
copy of the tree made of symbolic links (so nothing in ``locale/`` is touched); the catalogues
are compared with GNU gettext's ``msgcmp``, ``msgattrib`` and ``msgfmt``, tools we did not
write. To fix a failure: ``.venv/bin/python manage.py makemessages -l en``, translate the new
entries, ``.venv/bin/python manage.py compilemessages -l en -i .venv``.
"""

from __future__ import annotations

import gettext
import os
import re
import shutil
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.core.management import call_command
from django.test.utils import override_settings

pytestmark = pytest.mark.database_free

ROOT = Path(settings.BASE_DIR)
CATALOGUE = ROOT / "locale" / "en" / "LC_MESSAGES" / "django.po"
COMPILED = CATALOGUE.with_suffix(".mo")
GETTEXT_TOOLS = ("xgettext", "msgmerge", "msgcmp", "msgattrib", "msgfmt")


def _run(*args: str | Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run([str(a) for a in args], capture_output=True, text=True, check=False)


def _msgids(po_text: str) -> list[str]:
    """The msgid lines (first line of each) of ``msgattrib`` output, for failure messages."""
    return [m for m in re.findall(r'^msgid "(.*)"$', po_text, re.M) if m]


def _msgid_at(lines: list[str], number: int) -> str:
    """The msgid of the entry that line ``number`` (1-based) of a .po file belongs to."""
    start = next(
        i for i in range(min(number, len(lines)) - 1, -1, -1) if lines[i].startswith("msgid ")
    )
    parts = [lines[start][len("msgid ") :]]
    for line in lines[start + 1 :]:
        if not line.startswith('"'):
            break
        parts.append(line)
    return "".join(part.strip()[1:-1] for part in parts)


def _named(report: str) -> str:
    """``msgcmp`` names entries by file and line: add the msgid found there."""
    files: dict[str, list[str]] = {}

    def name(match: re.Match[str]) -> str:
        lines = files.setdefault(match.group(1), Path(match.group(1)).read_text().splitlines())
        return f"{match.group(0)}: msgid “{_msgid_at(lines, int(match.group(2)))}”"

    return re.sub(r"^(\S+\.po):(\d+):.*$", name, report, flags=re.M)


def catalogue_problems(catalogue: Path, fresh: Path) -> list[str]:
    """What is wrong with ``catalogue`` given ``fresh``, a catalogue just extracted from the
    code: missing msgids, fuzzy or untranslated entries, format-string mismatches. Entries the
    code no longer has are harmless; the next ``makemessages`` drops them (--no-obsolete)."""
    problems = []
    # every msgid of the code is translated in the catalogue (fuzzy and empty ones count as
    # missing)
    missing = _run("msgcmp", catalogue, fresh)
    if missing.returncode:
        problems.append(f"msgids of the code missing or untranslated:\n{_named(missing.stderr)}")
    fuzzy = _msgids(_run("msgattrib", "--only-fuzzy", "--no-wrap", catalogue).stdout)
    if fuzzy:
        problems.append(f"fuzzy entries: {fuzzy}")
    empty = _msgids(_run("msgattrib", "--untranslated", "--no-wrap", catalogue).stdout)
    if empty:
        problems.append(f"entries with an empty msgstr: {empty}")
    checked = _run("msgfmt", "--check", "-o", os.devnull, catalogue)
    if checked.returncode:
        problems.append(f"msgfmt --check:\n{checked.stderr}")
    return problems


@pytest.fixture(scope="module")
def fresh_catalogue(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """``manage.py makemessages -l en`` over the project, written to a temporary folder."""
    absent = [tool for tool in GETTEXT_TOOLS if shutil.which(tool) is None]
    if absent:
        pytest.fail(f"GNU gettext missing ({absent}): ./run setup installs Debian's gettext.")
    tree = tmp_path_factory.mktemp("i18n")
    for entry in ROOT.iterdir():
        if entry.name != "locale" and not entry.name.startswith("."):
            (tree / entry.name).symlink_to(entry)
    (tree / "locale" / "en").mkdir(parents=True)
    here = Path.cwd()
    os.chdir(tree)
    try:
        with override_settings(LOCALE_PATHS=[tree / "locale"]):
            call_command("makemessages", locale=["en"], symlinks=True, verbosity=0)
    finally:
        os.chdir(here)
    fresh = tree / "locale" / "en" / "LC_MESSAGES" / "django.po"
    assert fresh.exists(), "makemessages wrote no catalogue"
    yield fresh


def test_english_catalogue_translates_every_string_of_the_code(fresh_catalogue: Path) -> None:
    assert "Hộp duyệt hồ sơ" in fresh_catalogue.read_text()  # the extraction found the code
    problems = catalogue_problems(CATALOGUE, fresh_catalogue)
    assert not problems, "\n".join(problems)


def test_the_check_finds_missing_fuzzy_and_empty_entries(
    fresh_catalogue: Path, tmp_path: Path
) -> None:
    entries = CATALOGUE.read_text().split("\n\n")
    header, body = entries[0], entries[1:]
    dropped, fuzzied, emptied = body[0], body[1], body[2]
    fuzzied = re.sub(r"^msgid ", "#, fuzzy\nmsgid ", fuzzied, count=1, flags=re.M)
    emptied = re.sub(r'^msgstr ".*"$', 'msgstr ""', emptied, count=1, flags=re.M)
    broken = tmp_path / "django.po"
    broken.write_text("\n\n".join([header, fuzzied, emptied, *body[3:]]))

    problems = "\n".join(catalogue_problems(broken, fresh_catalogue))

    assert "missing or untranslated" in problems
    assert "fuzzy entries" in problems and "entries with an empty msgstr" in problems
    for entry in (dropped, fuzzied, emptied):
        first_msgid = re.search(r'^msgid "(.+)"$', entry, re.M)
        assert first_msgid and first_msgid.group(1) in problems


def test_committed_mo_is_the_compiled_catalogue(tmp_path: Path) -> None:
    compiled = tmp_path / "django.mo"
    result = _run("msgfmt", "--check", "-o", compiled, CATALOGUE)
    assert result.returncode == 0, result.stderr
    with compiled.open("rb") as fresh, COMPILED.open("rb") as committed:
        expected = gettext.GNUTranslations(fresh)._catalog  # type: ignore[attr-defined]
        actual = gettext.GNUTranslations(committed)._catalog  # type: ignore[attr-defined]
    assert actual == expected, (
        "locale/en/LC_MESSAGES/django.mo is out of date: "
        ".venv/bin/python manage.py compilemessages -l en -i .venv"
    )
