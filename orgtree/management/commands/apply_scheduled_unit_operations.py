"""``python manage.py apply_scheduled_unit_operations [--today YYYY-MM-DD] [--schedule]``."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from orgtree import scheduling


class Command(BaseCommand):
    help = (
        "Thực hiện các thao tác cây đơn vị đã đặt lịch có ngày hiệu lực đến hạn "
        "(mỗi thao tác một giao dịch)."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--today", help="ngày coi là hôm nay (YYYY-MM-DD); mặc định: hôm nay")
        parser.add_argument(
            "--schedule",
            action="store_true",
            help="chỉ đăng ký lịch chạy hằng ngày với django-q2",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["schedule"]:
            schedule = scheduling.ensure_schedule()
            self.stdout.write(
                f"Đã đăng ký lịch “{schedule.name}”, lần chạy tới {schedule.next_run}."
            )
            return
        today = None
        if options["today"]:
            try:
                today = date.fromisoformat(options["today"])
            except ValueError:
                raise CommandError(f"Ngày không hợp lệ: “{options['today']}”.") from None
        counts = scheduling.apply_due_operations(today)
        self.stdout.write(
            f"Đã thực hiện {counts['applied']} thao tác; {counts['failed']} không thành công."
        )
