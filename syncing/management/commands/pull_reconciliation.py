"""``manage.py pull_reconciliation [--agency CODE …] [--schedule]``: pull the reconciliation
results now and take the day's snapshots; ``--schedule`` registers the daily django-q2 job."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from syncing import recon_tasks


class Command(BaseCommand):
    help = "Tải kết quả đối khớp từ CSDL quốc gia và chốt số liệu tiến độ trong ngày."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--agency", action="append", help="mã cơ quan (lặp lại được)")
        parser.add_argument(
            "--schedule", action="store_true", help="đăng ký tác vụ chạy hằng ngày (django-q2)"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["schedule"]:
            schedule = recon_tasks.ensure_schedule()
            self.stdout.write(f"Đã đăng ký “{schedule.name}”, lần tới {schedule.next_run}.")
            return
        run = recon_tasks.daily(options["agency"])
        for code, received in run.pulled.items():
            self.stdout.write(f"{code}: nhận {received} kết quả đối khớp.")
        for code, error in run.errors.items():
            self.stderr.write(f"{code}: lỗi — {error}")
        self.stdout.write(f"Đã chốt tiến độ của {run.snapshots} cơ quan.")
        if run.errors and not run.pulled:
            raise CommandError("Không tải được kết quả đối khớp của cơ quan nào.")
