from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cbccvc import backup


class Command(BaseCommand):
    help = "Phục hồi cơ sở dữ liệu từ một bản sao lưu (thay thế toàn bộ dữ liệu hiện có)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("path")
        parser.add_argument("--database", default="default")
        parser.add_argument(
            "--yes", action="store_true", help="xác nhận: dữ liệu hiện có sẽ bị thay thế"
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["yes"]:
            raise CommandError("Phục hồi thay thế toàn bộ dữ liệu hiện có: thêm --yes để xác nhận.")
        try:
            backup.restore(options["path"], options["database"])
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"Đã phục hồi từ {options['path']}.")
