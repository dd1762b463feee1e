"""``python manage.py load_adminunits``: load the shipped administrative-unit releases."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from orgtree.refdata import DATA_DIR, ReferenceDataError, load_reference_data


class Command(BaseCommand):
    help = (
        "Nạp dữ liệu đơn vị hành chính (danh mục trước và sau 1/7/2025, bảng chuyển đổi, "
        "tên địa danh cũ) theo releases.json. Chạy lại không thay đổi gì."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--dir",
            default=str(DATA_DIR),
            help="Thư mục chứa releases.json và các tệp dữ liệu (mặc định: dữ liệu kèm theo).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        started = time.perf_counter()
        try:
            results = load_reference_data(Path(options["dir"]))
        except ReferenceDataError as exc:
            raise CommandError(str(exc)) from exc
        for result in results:
            self.stdout.write(result.describe())
        elapsed = time.perf_counter() - started
        created = sum(1 for r in results if r.created)
        self.stdout.write(
            self.style.SUCCESS(
                f"Xong: {created} phiên bản mới, {len(results) - created} đã có "
                f"({elapsed:.1f} giây)."
            )
        )
