from django.core.management.base import BaseCommand, CommandError

from profiles.tasks import profiles_of, schedule_validation
from profiles.validation import validate_profiles


class Command(BaseCommand):
    help = "Kiểm tra dữ liệu hồ sơ (đúng – đủ – sạch – sống) và lưu kết quả."

    def add_arguments(self, parser):
        parser.add_argument("--unit", help="mã định danh đơn vị: chỉ kiểm tra cây đơn vị này")
        parser.add_argument("--chunk-size", type=int, default=2000)
        parser.add_argument(
            "--background", action="store_true", help="đưa vào hàng đợi tác vụ nền (django-q2)"
        )

    def handle(self, *args, **options):
        if options["background"]:
            task_id = schedule_validation(options["unit"])
            self.stdout.write(f"đã đưa vào hàng đợi: {task_id}")
            return
        try:
            profiles = profiles_of(options["unit"])
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        run = validate_profiles(profiles, chunk_size=options["chunk_size"])
        rate = run.profiles / run.seconds if run.seconds else 0
        self.stdout.write(
            self.style.SUCCESS(
                f"{run.profiles} hồ sơ, {run.errors} lỗi, {run.warnings} cảnh báo, "
                f"{run.seconds:.1f} giây ({rate:.0f} hồ sơ/giây)."
            )
        )
