"""``import_profiles FILE [FILE ...] --unit CODE [--mapping NAME|auto] [--dry-run]
[--all-or-nothing] --report PATH --user USERNAME``: a thin door onto the import pipeline."""

from __future__ import annotations

import json
from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError

from orgtree.models import Unit
from transfer.jobs import resolve_mapping, start_import
from transfer.models import ImportJob
from transfer.report import ImportError_
from transfer.results import full_report


class Command(BaseCommand):
    help = "Nhập hồ sơ CBCCVC từ tệp .xlsx/.xls/.ods/.csv (xem trước hoặc ghi)."

    def add_arguments(self, parser):
        parser.add_argument("files", nargs="+", help="tệp cần nhập")
        parser.add_argument("--unit", required=True, help="mã đơn vị nhận")
        parser.add_argument("--mapping", default="auto", help="tên cấu hình nhập hoặc auto")
        parser.add_argument("--dry-run", action="store_true", help="chỉ xem trước, không ghi")
        parser.add_argument(
            "--all-or-nothing", action="store_true", help="có lỗi thì không ghi dòng nào"
        )
        parser.add_argument("--report", required=True, help="đường dẫn tệp báo cáo JSON")
        parser.add_argument("--user", required=True, help="tên đăng nhập của người nhập")

    def handle(self, *args, **options):
        user = get_user_model().objects.filter(username=options["user"], is_active=True).first()
        if user is None:
            raise CommandError(f"Không có người dùng “{options['user']}”.")
        code = options["unit"].strip().upper()
        unit = Unit.objects.filter(code=code, status=Unit.Status.ACTIVE).first()
        if unit is None:
            raise CommandError(f"Không có đơn vị đang hoạt động mã “{code}”.")
        paths = [Path(f) for f in options["files"]]
        for p in paths:
            if not p.is_file():
                raise CommandError(f"Không tìm thấy tệp “{p}”.")
        try:
            mapping = resolve_mapping(user, unit, options["mapping"])
            job = start_import(
                user=user,
                unit=unit,
                files=[(p.name, p) for p in paths],
                dry_run=options["dry_run"],
                mapping=mapping,
                all_or_nothing=options["all_or_nothing"],
                run="now",
            )
        except ImportError_ as exc:
            raise CommandError(str(exc)) from None
        job.refresh_from_db()
        report = full_report(job) or {"error": job.error}
        Path(options["report"]).write_text(
            json.dumps(report, ensure_ascii=False, indent=1, default=str), encoding="utf-8"
        )
        if job.status == ImportJob.Status.FAILED:
            raise CommandError(job.error or "Nhập thất bại.")
        t = report["totals"]
        self.stdout.write(
            self.style.SUCCESS(
                f"{'Xem trước' if options['dry_run'] else 'Đã nhập'}: {t['rows_read']} dòng; "
                f"tạo {t['created']}, cập nhật {t['updated']}, không đổi {t['unchanged']}, "
                f"gộp {t['merged']}, bỏ qua {t['skipped']}, chờ xem xét {t['sent_to_review']}, "
                f"lỗi {t['errors']}. Báo cáo: {options['report']}"
            )
        )
