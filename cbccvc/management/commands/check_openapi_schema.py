"""Fail when ``docs/openapi.yaml`` is not what the code generates (``--write`` updates it).

Runs ``spectacular --validate --fail-on-warn``, so a schema warning fails the check too.
"""

from __future__ import annotations

import difflib
import tempfile
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError

SCHEMA_PATH = Path(settings.BASE_DIR) / "docs" / "openapi.yaml"


def generate_schema() -> str:
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "openapi.yaml"
        call_command("spectacular", "--validate", "--fail-on-warn", "--file", str(out))
        return out.read_text(encoding="utf-8")


class Command(BaseCommand):
    help = "Kiểm tra docs/openapi.yaml khớp với lược đồ sinh từ mã nguồn."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--write", action="store_true", help="Ghi lại docs/openapi.yaml.")

    def handle(self, *args: Any, **options: Any) -> None:
        generated = generate_schema()
        if options["write"]:
            SCHEMA_PATH.write_text(generated, encoding="utf-8")
            self.stdout.write(f"wrote {SCHEMA_PATH}")
            return
        committed = SCHEMA_PATH.read_text(encoding="utf-8") if SCHEMA_PATH.exists() else ""
        if committed != generated:
            diff = "".join(
                difflib.unified_diff(
                    committed.splitlines(True), generated.splitlines(True),
                    "docs/openapi.yaml (committed)", "generated", n=1,
                )
            )  # fmt: skip
            raise CommandError(
                "docs/openapi.yaml is stale: run `./run manage check_openapi_schema --write`.\n"
                + diff[:4000]
            )
        self.stdout.write("docs/openapi.yaml is up to date")
