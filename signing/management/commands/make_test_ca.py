"""Create a TEST certificate authority and signing keys for the demo users (not for real use)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from signing.testca import ROOT_NAME, load_test_ca, make_test_ca


class Command(BaseCommand):
    help = (
        "Tạo CA THỬ NGHIỆM (không dùng thật), chứng thư ký số và tệp .p12 cho người dùng demo; "
        "--load nạp CA, CRL vào kho tin cậy và khóa vào hệ thống."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--out", required=True, help="thư mục ghi tệp CA, CRL, .p12 và PIN")
        parser.add_argument("--users", default="", help="tên đăng nhập, cách nhau bởi dấu phẩy")
        parser.add_argument(
            "--load", action="store_true", help="nạp vào kho tin cậy và bảng khóa ký số"
        )

    def handle(self, *args: Any, out: str, users: str, load: bool, **options: Any) -> None:
        usernames = [u.strip() for u in users.split(",") if u.strip()]
        user_model = get_user_model()
        named: list[tuple[str, str]] = []
        for username in usernames:
            user = user_model.objects.filter(username=username).first()
            if user is None and load:
                raise CommandError(f"Không có người dùng '{username}' để gán khóa thử nghiệm.")
            named.append((username, (user.get_full_name() if user else "") or username))
        ca = make_test_ca(named)
        written = ca.write(Path(out))
        self.stdout.write(f"Đã tạo {ROOT_NAME} và {len(ca.credentials)} khóa thử nghiệm:")
        for path in written:
            self.stdout.write(f"  {path}")
        if load:
            try:
                loaded = load_test_ca(ca)
            except ValidationError as exc:
                raise CommandError("; ".join(exc.messages)) from exc
            self.stdout.write(
                f"Đã nạp {len(loaded['anchors'])} CA, {len(loaded['crls'])} CRL, "
                f"{len(loaded['credentials'])} khóa ký số."
            )
        self.stdout.write("Mã PIN nằm trong PIN-THU-NGHIEM.txt (tài liệu thử nghiệm).")
