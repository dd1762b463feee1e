"""``manage.py purge_api_log [--older-than-days N] [--schedule]``: delete old API call log rows."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from orgtree.apikeys import ensure_purge_schedule, purge_request_log


class Command(BaseCommand):
    help = "Xóa nhật ký gọi API cũ hơn thời hạn lưu (mặc định CBCCVC_API_LOG_RETENTION_DAYS)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--older-than-days", type=int, default=None)
        parser.add_argument(
            "--schedule", action="store_true", help="đăng ký việc xóa hằng ngày (django-q2)"
        )

    def handle(self, *args: Any, older_than_days: int | None, schedule: bool, **options: Any):
        if schedule:
            ensure_purge_schedule()
            self.stdout.write("Đã đăng ký việc xóa nhật ký gọi API hằng ngày.")
            return
        try:
            deleted = purge_request_log(older_than_days=older_than_days)
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Đã xóa {deleted} dòng nhật ký gọi API.")
