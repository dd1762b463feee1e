"""``python manage.py import_units FILE [--dry-run] [--actor USERNAME]``: units from Excel."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from orgtree.unit_io import import_units


def _date(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError as exc:
        raise CommandError(f"Ngày “{value}” không hợp lệ; ghi theo dạng YYYY-MM-DD.") from exc


class Command(BaseCommand):
    help = (
        "Nhập cây đơn vị từ tệp Excel (.xlsx): tất cả hoặc không dòng nào; mã đã có thì cập "
        "nhật đơn vị đó (đổi tên, chuyển cấp trên) qua các nghiệp vụ của cây tổ chức."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="tệp .xlsx")
        parser.add_argument("--dry-run", action="store_true", help="chỉ kiểm tra, không ghi")
        parser.add_argument("--actor", help="tên đăng nhập của người thực hiện")
        parser.add_argument(
            "--effective-date", type=_date, help="ngày hiệu lực của các thay đổi (mặc định hôm nay)"
        )
        parser.add_argument("--legal-basis-number", default="", help="số quyết định")
        parser.add_argument("--legal-basis-date", type=_date, help="ngày quyết định (YYYY-MM-DD)")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = None
        if options["actor"]:
            try:
                actor = get_user_model().objects.get(username=options["actor"])
            except get_user_model().DoesNotExist as exc:
                raise CommandError(f"Không có người dùng “{options['actor']}”.") from exc
        result = import_units(
            options["file"],
            actor=actor,
            dry_run=options["dry_run"],
            effective_date=options["effective_date"],
            legal_basis_number=options["legal_basis_number"],
            legal_basis_date=options["legal_basis_date"],
        )
        for error in result.errors:
            self.stderr.write(str(error))
        if not result.ok:
            raise CommandError(result.summary())
        for line in result.scheduled:  # dated after today: waits for its date
            self.stdout.write(f"Đặt lịch: {line}")
        self.stdout.write(result.summary())
