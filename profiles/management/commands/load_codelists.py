from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from profiles.codelists import CodeListFileError, load_codelists


class Command(BaseCommand):
    help = "Nạp các danh mục dùng chung từ tệp dữ liệu (chạy lại nhiều lần không sao)."

    def add_arguments(self, parser):
        parser.add_argument("--dir", type=Path, default=None, help="thư mục chứa tệp danh mục")

    def handle(self, *args, **options):
        try:
            result = load_codelists(options["dir"])
        except CodeListFileError as exc:
            raise CommandError(str(exc)) from exc
        for key in result.loaded:
            self.stdout.write(f"đã nạp {key}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(result.loaded)} phiên bản mới, {len(result.unchanged)} không thay đổi."
            )
        )
