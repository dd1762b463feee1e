"""``python manage.py resolve_place "TEXT" [--as-of YYYY-MM-DD] [--json] [--stdin]``."""

from __future__ import annotations

import json
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DatabaseError

from orgtree.places import resolve_place

SETUP_HINT = (
    "Cơ sở dữ liệu chưa được tạo (chưa có bảng). Chạy trước: ./run demo --no-serve, "
    "hoặc ./run manage migrate && ./run manage load_adminunits"
)
NO_DATA_HINT = "Chưa nạp danh mục ĐVHC. Chạy trước: ./run manage load_adminunits"


class Command(BaseCommand):
    help = (
        "Xác định tỉnh (và xã khi có thể) từ một địa danh hay địa chỉ, theo danh mục ĐVHC có "
        "hiệu lực vào ngày --as-of (mặc định hôm nay)."
    )

    # call_command(..., input_stream=stream) passes the stream to read with --stdin (tests)
    stealth_options = ("input_stream",)

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("text", nargs="?", help="Địa danh hoặc địa chỉ cần xác định.")
        parser.add_argument("--as-of", dest="as_of", help="Ngày áp dụng, dạng YYYY-MM-DD.")
        parser.add_argument("--json", action="store_true", help="In kết quả dạng JSON.")
        parser.add_argument(
            "--stdin",
            dest="from_stdin",
            action="store_true",
            help="Đọc mỗi dòng của đầu vào chuẩn là một địa danh; in mỗi kết quả trên một dòng.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["from_stdin"] == bool(options["text"]):
            raise CommandError("Cần đúng một trong hai: một địa danh, hoặc --stdin.")
        as_of = options["as_of"]
        if as_of:
            from datetime import date

            try:
                as_of = date.fromisoformat(as_of)
            except ValueError as exc:
                raise CommandError(f"--as-of “{as_of}” không hợp lệ (cần YYYY-MM-DD).") from exc
        if options["from_stdin"]:
            stream = options.get("input_stream") or sys.stdin
            texts = (line.rstrip("\r\n") for line in stream)
        else:
            texts = iter([options["text"]])
        for text in texts:
            try:
                result = resolve_place(text, as_of=as_of)
            except DatabaseError as exc:  # a checkout whose database was never set up
                raise CommandError(SETUP_HINT + f" ({exc.__class__.__name__}: {exc})") from exc
            if result.release is None:
                self.stderr.write(NO_DATA_HINT)
            if options["json"]:
                self.stdout.write(json.dumps(result.to_dict(), ensure_ascii=False))
            else:
                self.stdout.write(result.describe())
