"""``export_profiles --unit CODE --out FILE.xlsx [--user USERNAME] [--with-assets]
[--with-health]``."""

from __future__ import annotations

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from orgtree.models import Unit
from orgtree.tree import subtree_q
from profiles.models import Profile
from profiles.services import HEALTH_PERMISSION, audit_sensitive_read, visible_profiles
from transfer.export import export_profiles


class Command(BaseCommand):
    help = "Xuất hồ sơ của một đơn vị (cả cây con) ra Excel, mỗi bảng một trang."

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, help="mã đơn vị")
        parser.add_argument("--out", required=True, help="tệp .xlsx")
        parser.add_argument("--user", help="xuất trong phạm vi của người dùng này")
        parser.add_argument(
            "--with-assets", action="store_true", help="kèm nhóm 9 (tài sản, thu nhập)"
        )
        parser.add_argument("--with-health", action="store_true", help="kèm nhóm 10 (sức khỏe)")

    def handle(self, *args, **options):
        code = options["unit"].strip().upper()
        unit = Unit.objects.filter(code=code).first()
        if unit is None:
            raise CommandError(f"Không có đơn vị mã “{code}”.")
        qs = Profile.objects.filter(subtree_q(unit, "unit"))
        with_assets = options["with_assets"]
        with_health = options["with_health"]
        user = None
        if options["user"]:
            user = get_user_model().objects.filter(username=options["user"]).first()
            if user is None:
                raise CommandError(f"Không có người dùng “{options['user']}”.")
            qs = visible_profiles(user).filter(subtree_q(unit, "unit"))
            if with_assets and not user.has_perm("profiles.view_assets_income"):
                raise CommandError("Người dùng không có quyền xem tài sản, thu nhập (nhóm 9).")
            if with_health and not user.has_perm(HEALTH_PERMISSION):
                raise CommandError("Người dùng không có quyền xem thông tin sức khỏe (nhóm 10).")
        out = Path(options["out"])
        result = export_profiles(qs, out, with_assets=with_assets, with_health=with_health)
        groups = [k for k, on in (("asset_declarations", with_assets), ("health", with_health))
                  if on]  # fmt: skip
        audit_sensitive_read(
            groups,
            user=user,
            via="export_profiles",
            object_type="profiles.profile",
        )
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã xuất {result.profiles} hồ sơ, {result.rows} dòng vào {out} trong "
                f"{result.seconds:.1f} giây."
            )
        )
