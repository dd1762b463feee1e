#!/usr/bin/env python
"""Benchmark of the import pipeline (PostgreSQL when DATABASE_URL is set).

Creates its own test database, an org tree, and a ``--rows``-row, 40-column .xlsx of synthetic
people in a vendor's one-sheet style (Vietnamese headers, Excel dates, "Nam"/"Nữ", ethnicity
names, the current salary and Party columns, and a few columns the catalogue does not know).
Then it imports the file end to end (parse, clean, validate, match, commit with history) and
prints the seconds per stage and the peak RSS; re-imports it (every row "unchanged"); and, as
the baseline, imports the first ``--baseline-rows`` rows through a stock django-import-export
``ModelResource`` for ``Profile`` (row by row, the model's save and signals), extrapolated to
the whole file and labelled as such, with the ratio.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cbccvc_imppipe \\
        .venv/bin/python bench/bench_import.py --rows 100000
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbccvc.settings")

HEADERS = [
    "STT", "Họ và tên", "Tên gọi khác", "Ngày tháng năm sinh", "Giới tính",
    "Số định danh cá nhân", "Số CMND", "Dân tộc", "Tôn giáo", "Nơi sinh", "Quê quán",
    "Hộ khẩu thường trú", "Nơi ở hiện nay", "Thành phần gia đình xuất thân", "Điện thoại",
    "Email", "Mã đơn vị", "Ngày tuyển dụng", "Chức vụ", "Chức danh", "Mã ngạch",
    "Mã bảng lương", "Bậc lương", "Hệ số lương", "Ngày hưởng lương", "Ngày vào Đảng",
    "Ngày chính thức", "Mã tỉnh đăng ký khai sinh", "Trình độ chuyên môn", "Chuyên ngành",
    "Lý luận chính trị", "Quản lý nhà nước", "Ngoại ngữ", "Tin học", "Số sổ BHXH",
    "Mã số thuế", "Số tài khoản", "Ngân hàng", "Ghi chú", "Người cập nhật",
]  # fmt: skip
assert len(HEADERS) == 40


def rss_mb() -> float:
    with open("/proc/self/status", encoding="ascii") as fh:
        for line in fh:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@contextmanager
def profiled(folder: str | None, name: str) -> Iterator[None]:
    """cProfile stats of the block in ``folder/name.prof`` (nothing when no folder)."""
    if not folder:
        yield
        return
    import cProfile

    Path(folder).mkdir(parents=True, exist_ok=True)
    prof = cProfile.Profile()
    prof.enable()
    try:
        yield
    finally:
        prof.disable()
        prof.dump_stats(str(Path(folder) / f"{name}.prof"))


def build_tree():
    from orgtree.models import Unit

    def make(name, code, parent=None, kind=Unit.Kind.DEPARTMENT):
        return Unit.objects.create(
            name=name, code=code, kind=kind, parent=parent, valid_from=date(2025, 7, 1)
        )

    with Unit._tree_manager.delay_mptt_updates():
        province = make("UBND tỉnh Phú Thọ", "H25", kind=Unit.Kind.PROVINCE_PC)
        for d in range(20):
            dept = make(f"Sở {d:03d}", f"H25.{d + 10:02d}", province)
            for v in range(9):
                make(f"Phòng {v}", f"H25.{d + 10:02d}.{v + 10:02d}", dept, Unit.Kind.DIVISION)
    return Unit.objects.get(code="H25")


def set_up_importer(*, superuser: bool = False):
    """Code lists, reference data, the unit tree and an HR officer of its root: what every
    import bench needs before its file. Returns (root unit, user)."""
    from django.contrib.auth import get_user_model

    from orgtree.models import Role, UnitAssignment
    from orgtree.refdata import load_reference_data
    from profiles.codelists import load_codelists

    load_codelists()
    load_reference_data()
    root = build_tree()
    users = get_user_model().objects
    if superuser:
        user = users.create_superuser("bench_hr", password="x" * 12)
    else:
        user = users.create_user("bench_hr", password="x" * 12, is_staff=True)
    UnitAssignment.objects.create(user=user, unit=root, role=Role.HR_OFFICER)
    return root, users.get(pk=user.pk)  # fresh: no cached scope


def write_file(path: Path, root, rows: int, seed: int = 2026) -> None:
    """Synthetic people (profiles.synthetic) written as one wide sheet, streamed."""
    import xlsxwriter

    from profiles import codelists
    from profiles.models import Membership
    from profiles.synthetic import PeopleGenerator

    gen = PeopleGenerator(root, seed)
    today = date.today()
    sex_name = {c: i.name for c, i in codelists.items("sex", today).items()}
    eth_name = {c: i.name for c, i in codelists.items("ethnicity", today).items()}
    rel_name = {c: i.name for c, i in codelists.items("religion", today).items()}
    units = {u.pk: u.code for u in gen.units}
    wb = xlsxwriter.Workbook(str(path), {"constant_memory": True})
    ws = wb.add_worksheet("Danh sách")
    fmt = wb.add_format({"num_format": "dd/mm/yyyy"})
    for c, h in enumerate(HEADERS):
        ws.write_string(0, c, h)

    def dt(d):
        return datetime(d.year, d.month, d.day)

    for n in range(1, rows + 1):
        p, r = gen.person()
        work = r["work"][-1]
        pay = r["salary"][-1]
        party = next(
            (m for m in r["member"] if m.organisation == Membership.Organisation.PARTY), None
        )
        cells = [
            n, p.full_name, "", dt(p.date_of_birth), sex_name.get(p.sex, p.sex), p.personal_id,
            p.old_id_number, eth_name.get(p.ethnicity, p.ethnicity),
            rel_name.get(p.religion, p.religion), p.birthplace_text, p.hometown_text,
            p.permanent_residence, "", p.social_origin, f"09{n:08d}", f"cb{n}@phutho.gov.vn",
            units[p.unit_id], dt(work.start_date), work.position_code, work.title_code,
            pay.grade_code, pay.salary_scale, pay.step, float(pay.coefficient),
            dt(pay.effective_date), dt(party.admission_date) if party else None,
            dt(party.full_membership_date) if party else None, p.birth_registration_province,
            "Đại học", "Luật", "Trung cấp", "Chuyên viên", "Tiếng Anh B1", "Ứng dụng CNTT cơ bản",
            f"25{n:08d}", f"80{n:08d}", f"1020{n:08d}", "Vietinbank", "", "nhansu",
        ]  # fmt: skip
        for c, v in enumerate(cells):
            if v is None or v == "":
                continue
            if isinstance(v, datetime):
                ws.write_datetime(n, c, v, fmt)
            elif isinstance(v, (int, float)):
                ws.write_number(n, c, v)
            else:
                ws.write_string(n, c, str(v))
    wb.close()


def baseline(path: Path, root, user, rows: int) -> float:
    """A stock django-import-export ModelResource: row by row through the model."""
    import tablib
    from import_export import fields, resources, widgets

    from orgtree.models import Unit
    from profiles.models import Profile

    class ProfileResource(resources.ModelResource):
        personal_id = fields.Field("personal_id", "Số định danh cá nhân")
        full_name = fields.Field("full_name", "Họ và tên")
        date_of_birth = fields.Field("date_of_birth", "Ngày tháng năm sinh", widgets.DateWidget())
        sex = fields.Field("sex", "Giới tính")
        old_id_number = fields.Field("old_id_number", "Số CMND")
        ethnicity = fields.Field("ethnicity", "Dân tộc")
        religion = fields.Field("religion", "Tôn giáo")
        birthplace_text = fields.Field("birthplace_text", "Nơi sinh")
        hometown_text = fields.Field("hometown_text", "Quê quán")
        permanent_residence = fields.Field("permanent_residence", "Hộ khẩu thường trú")
        social_origin = fields.Field("social_origin", "Thành phần gia đình xuất thân")
        phone = fields.Field("phone", "Điện thoại")
        email = fields.Field("email", "Email")
        unit = fields.Field("unit", "Mã đơn vị", widgets.ForeignKeyWidget(Unit, "code"))

        class Meta:
            model = Profile
            import_id_fields = ("personal_id",)
            fields = (
                "personal_id", "full_name", "date_of_birth", "sex", "old_id_number",
                "ethnicity", "religion", "birthplace_text", "hometown_text",
                "permanent_residence", "social_origin", "phone", "email", "unit",
            )  # fmt: skip

    import python_calamine as pc

    sheet = pc.CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0)
    data = []
    for i, row in enumerate(sheet.iter_rows()):
        if i > rows:
            break
        data.append(["" if v is None else v for v in row])
    dataset = tablib.Dataset(*data[1:], headers=data[0])
    t = time.perf_counter()
    result = ProfileResource().import_data(dataset, dry_run=False, raise_errors=False, user=user)
    seconds = time.perf_counter() - t
    print(f"  baseline rows: {result.totals}")
    return seconds


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--baseline-rows", type=int, default=1000)
    parser.add_argument("--keepdb", action="store_true")
    parser.add_argument("--no-baseline", action="store_true", help="skip the baseline step")
    parser.add_argument(
        "--profile", metavar="DIR", help="write cProfile stats of the import and re-import here"
    )
    args = parser.parse_args()

    import django

    django.setup()
    from benchdb import test_database

    with test_database(keepdb=args.keepdb):
        run(args)


def run(args) -> None:
    from django.db import connection

    from profiles.models import Profile, SalaryHistory
    from transfer.pipeline import Options, Pipeline, SourceFile

    root, user = set_up_importer()
    tmp = Path(tempfile.mkdtemp(prefix="bench-import-"))
    path = tmp / "nhan-su.xlsx"
    t = time.perf_counter()
    write_file(path, root, args.rows)
    size = path.stat().st_size / 1048576
    print(f"file: {args.rows} rows x {len(HEADERS)} columns, {size:.1f} MB, "
          f"written in {time.perf_counter() - t:.1f} s")  # fmt: skip

    rss_before = rss_mb()
    peak_before = peak_mb()
    t = time.perf_counter()
    with profiled(args.profile, "import"):
        pipeline = Pipeline(
            [SourceFile(path, path.name)], root, user, Options(validate_after=False)
        )
        plan = pipeline.plan()
        pipeline.commit(plan)
    total = time.perf_counter() - t
    counts = plan.report()["totals"]
    peak = peak_mb()
    print(f"import end to end: {total:.1f} s = {args.rows / total:.0f} rows/s; "
          f"RSS before {rss_before:.0f} MB, peak {peak:.0f} MB"
          f"{'' if peak > peak_before else ' (reached before the import)'}")  # fmt: skip
    print("  stages: " + ", ".join(f"{k} {v:.1f} s" for k, v in plan.seconds.items()))
    print(f"  totals: {counts}")
    print(f"  in the database: {Profile.objects.count()} profiles, "
          f"{SalaryHistory.objects.count()} salary rows, "
          f"{Profile.history.count()} profile history rows")  # fmt: skip
    del plan, pipeline
    if connection.vendor == "postgresql":
        with connection.cursor() as cur:
            cur.execute("ANALYZE")

    t = time.perf_counter()
    with profiled(args.profile, "reimport"):
        pipeline = Pipeline(
            [SourceFile(path, path.name)], root, user, Options(validate_after=False)
        )
        again = pipeline.plan()
        pipeline.commit(again)
    print(
        f"re-import of the same file: {time.perf_counter() - t:.1f} s, "
        f"{again.report()['totals']['unchanged']} rows unchanged; peak RSS {peak_mb():.0f} MB"
    )
    print("  stages: " + ", ".join(f"{k} {v:.1f} s" for k, v in again.seconds.items()))
    del again, pipeline
    if args.no_baseline:
        return

    # -- baseline: stock ModelResource on the first rows, into an empty agency ---------------
    if connection.vendor == "postgresql":  # the ORM's delete collects and signals per row
        with connection.cursor() as cur:
            cur.execute(f"TRUNCATE {Profile._meta.db_table} CASCADE")
    else:
        Profile.objects.all().delete()
    n = min(args.baseline_rows, args.rows)
    seconds = baseline(path, root, user, n)
    per_row = seconds / n
    extrapolated = per_row * args.rows
    print(f"baseline django-import-export ModelResource: {n} rows in {seconds:.1f} s "
          f"({per_row * 1000:.1f} ms/row) -> {extrapolated:.0f} s for {args.rows} rows "
          f"(extrapolated from {n} rows)")  # fmt: skip
    print(f"ratio: the pipeline is {extrapolated / total:.1f}x faster (and it cleans, "
          f"matches and writes child rows and history, which the baseline does not)")  # fmt: skip


if __name__ == "__main__":
    main()
