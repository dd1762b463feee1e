"""``python manage.py demo [--no-serve] [--port N]``: set up the demo and run it."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cbccvc.demo import DEMO_PASSWORD, serve, set_up_demo


class Command(BaseCommand):
    help = "Dựng dữ liệu mẫu (tỉnh Phú Thọ sau hợp nhất) và chạy ứng dụng."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--no-serve", action="store_true", help="Chỉ dựng dữ liệu, không chạy máy chủ."
        )
        parser.add_argument("--host", default="127.0.0.1")
        parser.add_argument("--port", type=int, default=8000)

    def handle(self, *args: Any, **options: Any) -> None:
        if not options["no_serve"] and options["port"] == settings.NATIONAL_EMULATOR_PORT:
            # checked before the set-up, not minutes later when the emulator cannot bind
            raise CommandError(
                f"Cổng {options['port']} là cổng của CSDL quốc gia mô phỏng "
                "(NATIONAL_EMULATOR_PORT): chọn cổng khác cho --port."
            )
        # With --no-serve, stdout carries only the merged province's identifier code, for
        # scripts; progress goes to stderr.
        log = self.stderr.write if options["no_serve"] else self.stdout.write
        log("Dựng dữ liệu mẫu …")
        result = set_up_demo(log=log)
        if options["no_serve"]:
            self.stdout.write(result.merged_province_code)
            return
        self.stdout.write("")
        self.stdout.write(f"Địa chỉ: http://{options['host']}:{options['port']}/admin/")
        self.stdout.write(f"Tài khoản (mật khẩu chung: {DEMO_PASSWORD}):")
        for user in result.users:
            role = user.role.label if user.role else "Quản trị quốc gia"
            where = f" — {user.unit_code}" if user.unit_code else ""
            self.stdout.write(f"  {user.username:<18} {role}{where}")
        raise SystemExit(serve(options["host"], options["port"], log=self.stdout.write))
