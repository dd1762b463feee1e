from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from transfer.vendor_samples import make_vendor_samples


class Command(BaseCommand):
    help = (
        "Sinh ba tệp Excel mẫu của ba phần mềm cũ (Phú Thọ: Unicode; Vĩnh Phúc: TCVN3; "
        "Hòa Bình: NFD, tiêu đề không dấu) và tệp truth.json để thử nhập dữ liệu."
    )

    def add_arguments(self, parser):
        parser.add_argument("--out", required=True, help="thư mục ghi tệp")
        parser.add_argument("--people", type=int, default=100, help="số người mỗi tệp")
        parser.add_argument("--seed", type=int, default=2025)
        parser.add_argument("--csv", action="store_true", help="ghi thêm trang chính dạng .csv")

    def handle(self, *args, **options):
        if options["people"] < 1:
            raise CommandError("--people phải lớn hơn 0.")
        samples = make_vendor_samples(
            Path(options["out"]), options["people"], seed=options["seed"], csv_copies=options["csv"]
        )
        for f in samples.files:
            self.stdout.write(f"{f.path}  ({f.rows} dòng, {f.style})")
            if f.csv_path:
                self.stdout.write(f"{f.csv_path}")
        self.stdout.write(
            self.style.SUCCESS(
                f"{len(samples.people)} người, {len(samples.shared)} người có trong hai tệp, "
                f"{len(samples.bad_rows)} dòng lỗi; đáp án: {samples.directory / 'truth.json'}"
            )
        )
