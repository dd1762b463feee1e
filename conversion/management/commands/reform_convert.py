"""``reform_convert --unit CODE --as-of YYYY-MM-DD --report FILE.xlsx [--commit] --user NAME``.

Runs a conversion campaign over the unit's subtree: the preview always, the commit with
``--commit`` (as the same campaign), the report after the last step.
"""

from __future__ import annotations

import time
from datetime import date

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.core.management.base import BaseCommand, CommandError

from conversion import services
from conversion.models import Outcome
from conversion.report import write_report
from orgtree.models import Unit


class Command(BaseCommand):
    help = "Chuyển đổi hồ sơ theo địa giới và tổ chức mới: xem trước, ghi (--commit), báo cáo."

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, help="mã đơn vị (gồm đơn vị trực thuộc)")
        parser.add_argument("--as-of", required=True, help="ngày tham chiếu YYYY-MM-DD")
        parser.add_argument("--report", required=True, help="tệp báo cáo .xlsx")
        parser.add_argument("--commit", action="store_true", help="ghi vào hồ sơ")
        parser.add_argument("--user", required=True, help="tên đăng nhập của người thực hiện")

    def handle(self, *args, **options):
        code = options["unit"].strip().upper()
        unit = Unit.objects.filter(code=code).first()
        if unit is None:
            raise CommandError(f"Không có đơn vị mã “{code}”.")
        try:
            as_of = date.fromisoformat(options["as_of"])
        except ValueError as exc:
            raise CommandError(f"Ngày “{options['as_of']}” không hợp lệ (YYYY-MM-DD).") from exc
        user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"Không có người dùng “{options['user']}”.")
        try:
            started = time.perf_counter()
            campaign = services.preview(unit=unit, as_of=as_of, user=user)
            outcomes = campaign.counts["outcomes"]
            self.stdout.write(
                f"Đợt #{campaign.pk}: {campaign.profile_count} hồ sơ, xem trước trong "
                f"{time.perf_counter() - started:.1f} giây – "
                + ", ".join(f"{label}: {outcomes[value]}" for value, label in Outcome.choices)
            )
            if options["commit"]:
                started = time.perf_counter()
                result = services.commit(campaign, user)
                stale = f"; {len(result.stale)} hồ sơ đã đổi sau khi xem trước"
                self.stdout.write(
                    f"Đã ghi {result.values} giá trị vào {result.profiles} hồ sơ trong "
                    f"{time.perf_counter() - started:.1f} giây" + (stale if result.stale else "")
                )
                campaign.refresh_from_db()
        except PermissionDenied as exc:
            raise CommandError(str(exc)) from exc
        rows = write_report(campaign, options["report"], user=user)
        self.stdout.write(self.style.SUCCESS(f"Báo cáo {rows} dòng: {options['report']}"))
