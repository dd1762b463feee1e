"""``python manage.py export_units --out FILE [--root CODE]``: the unit tree to Excel."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from orgtree.models import Unit
from orgtree.unit_io import export_units


class Command(BaseCommand):
    help = "Xuất cây đơn vị đang hoạt động ra tệp Excel (.xlsx), cấp trên theo mã định danh."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, help="tệp .xlsx sẽ ghi")
        parser.add_argument("--root", help="chỉ xuất cây con từ đơn vị có mã định danh này")

    def handle(self, *args: Any, **options: Any) -> None:
        root = None
        if options["root"]:
            code = options["root"].strip().upper()
            root = Unit.objects.active().filter(code=code).first()
            if root is None:
                raise CommandError(f"Không có đơn vị đang hoạt động với mã định danh “{code}”.")
        count = export_units(options["out"], root=root)
        self.stdout.write(f"Đã xuất {count} đơn vị ra {options['out']}.")
