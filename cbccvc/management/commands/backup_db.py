from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from cbccvc import backup


class Command(BaseCommand):
    help = "Sao lưu cơ sở dữ liệu (pg_dump cho PostgreSQL, sao chép trực tuyến cho SQLite)."

    def add_arguments(self, parser: Any) -> None:
        parser.add_argument("--out", help="tệp đích (mặc định: var/backups/cbccvc-<thời điểm>)")
        parser.add_argument("--database", default="default")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            path = backup.backup(options["out"], options["database"])
        except backup.BackupError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(f"{path} sha256={backup.sha256_of(path)}")
