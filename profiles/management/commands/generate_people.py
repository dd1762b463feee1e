from django.core.management.base import BaseCommand, CommandError

from orgtree.models import Unit
from profiles.synthetic import generate_people


class Command(BaseCommand):
    help = "Sinh hồ sơ giả lập (họ tên, số định danh, quá trình công tác …) trong một cây đơn vị."

    def add_arguments(self, parser):
        parser.add_argument("--unit", required=True, help="mã định danh đơn vị gốc")
        parser.add_argument("--count", type=int, required=True)
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--chunk-size", type=int, default=2000)
        parser.add_argument("--no-validate", action="store_true")

    def handle(self, *args, **options):
        if options["count"] < 1:
            raise CommandError("--count phải lớn hơn 0.")
        code = options["unit"].strip().upper()
        unit = Unit.objects.filter(code=code, status=Unit.Status.ACTIVE).first()
        if unit is None:
            raise CommandError(f"Không có đơn vị đang hoạt động mã “{code}”.")
        try:
            result = generate_people(
                unit,
                options["count"],
                seed=options["seed"],
                chunk_size=options["chunk_size"],
                validate=not options["no_validate"],
            )
        except ValueError as exc:
            raise CommandError(str(exc)) from exc
        self.stdout.write(
            self.style.SUCCESS(
                f"Đã tạo {result.profiles} hồ sơ ({result.rows} dòng) trong "
                f"{result.seconds:.1f} giây: {result.rate:.0f} hồ sơ/giây."
            )
        )
