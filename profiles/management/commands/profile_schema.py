"""Print or rewrite the XSD of the canonical profile document (generated from the models)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from profiles.document import SCHEMA_PATH, schema_document


class Command(BaseCommand):
    help = (
        "In lược đồ XSD của hồ sơ điện tử (sinh từ mô hình dữ liệu); "
        "--write ghi đè tệp profiles/schemas/ho-so-cbccvc-1.1.xsd (tệp 1.0 giữ nguyên như đã "
        "công bố)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--write", action="store_true", help="ghi vào tệp XSD trong mã nguồn")

    def handle(self, *args: Any, write: bool, **options: Any) -> None:
        xsd = schema_document()
        if not write:
            self.stdout.write(xsd.decode("utf-8"), ending="")
            return
        SCHEMA_PATH.parent.mkdir(parents=True, exist_ok=True)
        SCHEMA_PATH.write_bytes(xsd)
        self.stdout.write(f"Đã ghi {SCHEMA_PATH}")
