"""Register a signing key that lives on a PKCS#11 token (USB token) for a user."""

from __future__ import annotations

import getpass
import os
from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser

from signing.credentials import add_token_credential
from signing.errors import SigningError
from signing.keys import load_certificates

PIN_ENV = "CBCCVC_TOKEN_PIN"


class Command(BaseCommand):
    help = (
        "Đăng ký khóa ký số nằm trên thiết bị ký PKCS#11 cho một người dùng. Mã PIN được hỏi "
        f"khi chạy (hoặc lấy từ biến môi trường {PIN_ENV}) và không được lưu."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--user", required=True, help="tên đăng nhập của người sở hữu khóa")
        parser.add_argument("--token-label", required=True, help="nhãn thiết bị ký")
        parser.add_argument("--key-id", default="", help="mã (ID) khóa trên thiết bị, dạng hex")
        parser.add_argument("--key-label", default="", help="nhãn khóa trên thiết bị")
        parser.add_argument("--module", default="", help="đường dẫn thư viện PKCS#11")
        parser.add_argument(
            "--chain", default="", help="tệp PEM các chứng thư CA trung gian (nếu có)"
        )
        parser.add_argument("--label", default="", help="tên gọi của khóa")

    def handle(self, *args: Any, **o: Any) -> None:
        try:
            owner = get_user_model().objects.get(username=o["user"])
        except get_user_model().DoesNotExist as exc:
            raise CommandError(f"Không có người dùng '{o['user']}'.") from exc
        chain = []
        if o["chain"]:
            try:
                with open(o["chain"], "rb") as fh:
                    chain = load_certificates(fh.read())
            except (OSError, ValueError) as exc:
                raise CommandError(f"Không đọc được tệp chứng thư '{o['chain']}'.") from exc
        pin = os.environ.get(PIN_ENV) or getpass.getpass("Mã PIN của thiết bị ký: ")
        try:
            credential = add_token_credential(
                owner,
                token_label=o["token_label"],
                pin=pin,
                key_id=o["key_id"],
                key_label=o["key_label"],
                module=o["module"],
                chain=chain,
                label=o["label"],
            )
        except SigningError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            f"Đã đăng ký khóa '{credential.label}' (số hiệu {credential.serial}, hiệu lực đến "
            f"{credential.not_after:%d/%m/%Y}) cho {owner.username}."
        )
