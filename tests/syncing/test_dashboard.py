"""The progress dashboard: counts equal what the ORM says row by row, each user sees only their
part of the tree, the chart is inline SVG, and the day's report opens in Excel and as PDF."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from django.contrib.auth import get_user_model
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from orgtree.models import Role, Unit, UnitAssignment
from orgtree.tree import subtree_q
from profiles.models import Profile, ProfileStatus
from syncing import dashboard
from syncing.models import (
    Connection,
    Destination,
    Mismatch,
    ProgressSnapshot,
    UnitMatch,
)
from tests.pdf_text import flat, pdf_text

pytestmark = pytest.mark.django_db

STATUSES = [
    ProfileStatus.DRAFT,
    ProfileStatus.SUBMITTED,
    ProfileStatus.APPROVED,
    ProfileStatus.SIGNED,
    ProfileStatus.SYNCED,
]


def _people(unit: Unit, n: int, start: int) -> list[Profile]:
    """``n`` minimal profiles written in bulk (the dashboard counts, it does not validate),
    cycling through the workflow statuses."""
    rows = [
        Profile(
            personal_id=f"0250{start + i:08d}",
            full_name=f"Người {start + i}",
            folded_name=f"nguoi {start + i}",
            sex="1",
            date_of_birth=date(1980, 1, 1),
            unit=unit,
            status=STATUSES[(start + i) % len(STATUSES)],
        )
        for i in range(n)
    ]
    return Profile.objects.bulk_create(rows)


@pytest.fixture
def world(make_unit):
    User = get_user_model()
    a = make_unit("Ủy ban nhân dân tỉnh Phú Thọ", code="H25", kind=Unit.Kind.PROVINCE_PC)
    home = make_unit("Sở Nội vụ", parent=a, code="H25.01")
    division = make_unit("Phòng Công chức", parent=home, code="H25.01.01", kind="division")
    finance = make_unit("Sở Tài chính", parent=a, code="H25.02")
    b = make_unit("Ủy ban nhân dân thành phố Hà Nội", code="H12", kind=Unit.Kind.PROVINCE_PC)
    b_dept = make_unit("Sở Nội vụ Hà Nội", parent=b, code="H12.01")
    people = {
        "a": _people(a, 3, 0),
        "home": _people(home, 7, 100),
        "division": _people(division, 11, 200),
        "finance": _people(finance, 5, 300),
        "b": _people(b_dept, 9, 400),
    }
    for unit in (home, division):
        UnitMatch.objects.create(unit=unit, national_code=unit.code, status="confirmed")
    UnitMatch.objects.create(unit=finance, national_code="X", status="suggested")
    for i, person in enumerate(people["division"][:4]):
        Mismatch.objects.create(
            external_id=f"m{i}",
            profile=person,
            kind="spelling",
            since=date(2025, 9, 12),
            last_seen_at=timezone.now(),
            status="open" if i < 3 else "disputed",
        )
    Mismatch.objects.create(  # a second open mismatch of one person counts the person once
        external_id="m9",
        profile=people["division"][0],
        kind="dob",
        since=date(2025, 9, 12),
        last_seen_at=timezone.now(),
    )
    conn = Connection(
        unit=a,
        destination=Destination.NATIONAL,
        software_name="cbccvc 1.0",
        base_url="http://127.0.0.1:9/",
        key_id="KEY-H25",
        admin_name="Nguyễn Văn Quản",
        admin_phone="0912000111",
    )
    conn.set_secret("s3cret")
    conn.save()
    users = {}
    for name, unit, role in [
        ("a_viewer", a, Role.VIEWER),
        ("b_viewer", b, Role.VIEWER),
        ("home_hr", home, Role.HR_OFFICER),
    ]:
        user = User.objects.create_user(name, is_staff=True)
        UnitAssignment.objects.create(user=user, unit=unit, role=role)
        users[name] = user
    users["national"] = User.objects.create_user("quoc_gia", is_staff=True, is_superuser=True)
    return {"a": a, "home": home, "finance": finance, "b": b, "b_dept": b_dept, **users}


def _truth(root: Unit) -> dict[str, int]:
    root = Unit.objects.get(pk=root.pk)
    profiles = Profile.objects.filter(subtree_q(root, "unit"))
    units = Unit.objects.filter(subtree_q(root), status="active")
    return {
        "units_total": units.count(),
        "units_mapped": UnitMatch.objects.filter(unit__in=units, status="confirmed").count(),
        "profiles_total": profiles.count(),
        "profiles_approved": profiles.filter(status__in=["approved", "signed", "synced"]).count(),
        "profiles_signed": profiles.filter(status__in=["signed", "synced"]).count(),
        "profiles_synced": profiles.filter(status="synced").count(),
        "profiles_mismatched": profiles.filter(mismatches__status="open").distinct().count(),
    }


COUNTED = (
    "units_total",
    "units_mapped",
    "profiles_total",
    "profiles_approved",
    "profiles_signed",
    "profiles_synced",
    "profiles_mismatched",
)


def _counts(row: dashboard.ProgressRow) -> dict[str, int]:
    return {name: getattr(row, name) for name in COUNTED}


def test_counts_equal_the_orm_truth_for_agencies_and_units(world, django_assert_max_num_queries):
    with django_assert_max_num_queries(8):
        rows = dashboard.progress_rows([world["a"], world["b"]])
    assert [r.code for r in rows] == ["H12", "H25"]
    for row in rows:
        assert _counts(row) == _truth(Unit.objects.get(pk=row.unit_id)), row.code
    a_row = rows[1]
    assert (a_row.profiles_total, a_row.profiles_mismatched, a_row.units_mapped) == (26, 3, 2)
    assert (a_row.software, a_row.key_status) == ("cbccvc 1.0", "Đang hoạt động")
    assert "0912000111" in a_row.key_admin
    drill = dashboard.progress_rows([], children_of=world["a"])
    assert [r.code for r in drill] == ["H25", "H25.01", "H25.02"]
    for row in drill:
        assert _counts(row) == _truth(Unit.objects.get(pk=row.unit_id)), row.code
    assert drill[1].profiles_total == 18  # the department counts its division


def test_snapshots_feed_the_chart(world):
    today = timezone.localdate()
    dashboard.take_snapshots(today - timedelta(days=1), roots=[world["a"]])
    before = _truth(world["a"])["profiles_synced"]
    Profile.objects.filter(unit=world["finance"]).update(status=ProfileStatus.SYNCED)
    after = _truth(world["a"])["profiles_synced"]
    assert after > before
    assert dashboard.take_snapshots(today, roots=[world["a"]]) == 1
    assert dashboard.take_snapshots(today, roots=[world["a"]]) == 1  # idempotent per day
    snaps = ProgressSnapshot.objects.filter(agency=world["a"]).order_by("day")
    assert [s.profiles_synced for s in snaps] == [before, after]
    days, series = dashboard.history([world["a"].pk])
    assert days == [today - timedelta(days=1), today]
    svg = str(dashboard.chart_svg(days, series))
    assert svg.startswith("<svg") and svg.count("<rect") >= 8 and "Đã đồng bộ" in svg


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_dashboard_page_is_scoped(world):
    url = reverse("admin:syncing_progresssnapshot_changelist")
    a_page = _client(world["a_viewer"]).get(url).content.decode()
    assert "Ủy ban nhân dân tỉnh Phú Thọ" in a_page and "Hà Nội" not in a_page
    assert "<svg" in a_page
    b = _client(world["b_viewer"])
    b_page = b.get(url).content.decode()
    assert "Hà Nội" in b_page and "Phú Thọ" not in b_page
    # another agency's unit answers like a unit that does not exist
    assert b.get(url, {"don_vi": world["home"].pk}).status_code == 404
    assert b.get(url, {"don_vi": 987654}).status_code == 404
    assert (
        b.get(
            reverse("admin:syncing_progresssnapshot_export", args=["xlsx"]),
            {"don_vi": world["home"].pk},
        ).status_code
        == 404
    )
    # a user holding a department sees that department only
    hr_page = _client(world["home_hr"]).get(url).content.decode()
    assert "Sở Nội vụ" in hr_page and "Sở Tài chính" not in hr_page
    national = _client(world["national"]).get(url).content.decode()
    assert "Phú Thọ" in national and "Hà Nội" in national


def test_excel_export_reads_back_with_the_same_figures(world):
    from openpyxl import load_workbook

    url = reverse("admin:syncing_progresssnapshot_export", args=["xlsx"])
    response = _client(world["a_viewer"]).get(url, {"don_vi": world["a"].pk})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet["A1"].value.startswith("Báo cáo tiến độ đồng bộ")
    header = [c.value for c in sheet[3]]
    rows = {
        r[0]: dict(zip(header, r, strict=True))
        for r in sheet.iter_rows(min_row=4, values_only=True)
    }
    assert list(rows) == ["H25", "H25.01", "H25.02"]  # the agency's row is the total
    truth = _truth(world["home"])
    assert rows["H25.01"]["Tổng hồ sơ"] == truth["profiles_total"]
    assert rows["H25.01"]["Đã đồng bộ"] == truth["profiles_synced"]
    # numbers stay numbers: a share is its own column (a fraction shown as a percentage),
    # never "2/2" text
    assert rows["H25.01"]["Đơn vị đã ghép mã"] == truth["units_mapped"] == 2
    assert rows["H25.01"]["Tổng số đơn vị"] == truth["units_total"]
    for code in rows:
        row_truth = _truth(Unit.objects.get(code=code))
        for column, (part, whole) in {
            "Tỷ lệ đơn vị đã ghép mã": ("units_mapped", "units_total"),
            "Tỷ lệ đã ký số": ("profiles_signed", "profiles_total"),
            "Tỷ lệ đã đồng bộ": ("profiles_synced", "profiles_total"),
        }.items():
            value = rows[code][column]
            assert isinstance(value, (int, float)), (code, column, value)
            assert value == pytest.approx(row_truth[part] / row_truth[whole]), (code, column)
    for cell in sheet[4]:
        if isinstance(cell.value, (int, float)):
            assert cell.data_type == "n"
    shares = [c for c in sheet[4] if header[c.column - 1].startswith("Tỷ lệ")]
    assert {c.number_format for c in shares} == {"0.0%"}
    assert "H12" not in rows


def test_excel_export_reads_back_with_calamine(world):
    """The same file through a second, independent reader (Rust calamine)."""
    from python_calamine import CalamineWorkbook

    url = reverse("admin:syncing_progresssnapshot_export", args=["xlsx"])
    response = _client(world["national"]).get(url)
    sheet = CalamineWorkbook.from_filelike(io.BytesIO(response.content)).get_sheet_by_index(0)
    data = sheet.to_python()
    header = data[2]
    rows = {r[0]: dict(zip(header, r, strict=True)) for r in data[3:]}
    assert set(rows) == {"H12", "H25", "Cộng"}
    total = rows["Cộng"]
    assert total["Tổng hồ sơ"] == rows["H12"]["Tổng hồ sơ"] + rows["H25"]["Tổng hồ sơ"]
    assert total["Tỷ lệ đã đồng bộ"] == pytest.approx(total["Đã đồng bộ"] / total["Tổng hồ sơ"])
    truth = _truth(world["a"])
    assert rows["H25"]["Đã ký số"] == truth["profiles_signed"]
    assert isinstance(rows["H25"]["Đã ký số"], (int, float))


def _pdf_text(data: bytes) -> str:
    return flat(pdf_text(data))  # poppler's pdftotext


def test_pdf_export_has_the_report_text(world):
    url = reverse("admin:syncing_progresssnapshot_export", args=["pdf"])
    response = _client(world["a_viewer"]).get(url)
    assert response.status_code == 200 and response.content.startswith(b"%PDF")
    text = _pdf_text(response.content)
    assert "Báo cáo tiến độ đồng bộ" in text
    assert "Ủy ban nhân dân tỉnh Phú Thọ" in text
    assert "cbccvc 1.0" in text
    assert "Hà Nội" not in text


# -- the emulator's national view ------------------------------------------------------------------
@pytest.mark.django_db(transaction=True, databases=["default", "national"])
def test_national_view_counts_like_the_ministry_report(
    national_server, national_ca, signed_profiles
):
    import httpx

    from syncing.emulator.models import ConnectionKey

    national_server.trust(national_ca)
    national_server.add_units("H25")
    synced = national_server.client(national_server.issue_key("H25"))
    assert synced.submit_profiles([p.item() for p in signed_profiles[:2]])[0].confirmed
    connected = national_server.client(national_server.issue_key("H12"))
    connected.check_auth()
    national_server.issue_key("H23")  # reported its software and key admin, never called
    revoked = national_server.issue_key("H01")
    ConnectionKey.objects.filter(pk=revoked.key.pk).update(status="revoked")
    page = httpx.get(national_server.url + "/", timeout=10)
    assert page.status_code == 200
    html = page.text
    assert 'id="total-reported">4/36<' in html  # 2 ministries and 34 provinces
    assert 'id="total-connected">2<' in html
    assert 'id="total-synced">1<' in html
    assert 'id="total-profiles">2<' in html
    tiles = re.findall(r'class="tile stage-(\w+) tile-(\d+)"', html)
    assert len(tiles) == 34
    stages = {code: stage for stage, code in tiles}
    assert stages["25"] == "synced" and stages["01"] == "connected"  # H25 Phú Thọ, H12 Hà Nội
    assert stages["40"] == "reported" and stages["91"] == "revoked"  # H23 Nghệ An, H01 An Giang
    assert list(stages.values()).count("none") == 30


# -- stacked shares ------------------------------------------------------------------------------
def _bars(svg: str, group: str) -> dict[str, list[dict[str, float]]]:
    """Each bar's segments (stage, count, x, y, width, height), read back from the SVG."""
    bars: dict[str, list[dict[str, float]]] = {}
    for key, body in re.findall(rf'<g class="{group}" data-\w+="([^"]+)">(.*?)</g>', svg):
        bars[key] = [
            {"stage": m[0], "n": int(m[1]), "x": float(m[2]), "y": float(m[3]),
             "w": float(m[4]), "h": float(m[5])}
            for m in re.findall(
                r'class="stage-(\w+)" data-count="(\d+)" x="([\d.]+)" y="([\d.]+)" '
                r'width="([\d.]+)" height="([\d.]+)"',
                body,
            )
        ]  # fmt: skip
    return bars


def test_shares_by_unit_split_each_unit_into_its_stages(world):
    rows = dashboard.progress_rows([], children_of=world["a"])
    bars = _bars(str(dashboard.shares_by_unit_svg(rows)), "unit-bar")
    assert list(bars) == [r.code for r in rows if r.profiles_total]
    full = None
    for row in rows:
        truth = _truth(Unit.objects.get(pk=row.unit_id))
        segments = {s["stage"]: s for s in bars[row.code]}
        counts = {stage: int(s["n"]) for stage, s in segments.items()}
        expected = {
            "synced": truth["profiles_synced"],
            "signed": truth["profiles_signed"] - truth["profiles_synced"],
            "approved": truth["profiles_approved"] - truth["profiles_signed"],
            "rest": truth["profiles_total"] - truth["profiles_approved"],
        }
        assert counts == {k: v for k, v in expected.items() if v}, row.code
        # every bar is as long as every other (shares, not counts) and each segment's length
        # is its share of the unit's profiles
        width = sum(s["w"] for s in segments.values())
        full = full or width
        assert width == pytest.approx(full, abs=0.5)
        for stage, s in segments.items():
            assert s["w"] == pytest.approx(full * counts[stage] / truth["profiles_total"], abs=0.1)


def test_shares_over_time_stack_to_the_full_height_each_day():
    days = [date(2025, 9, 10), date(2025, 9, 11), date(2025, 9, 12)]
    series = [
        dashboard.Series("profiles_total", "", "", [3000, 3000, 3010]),
        dashboard.Series("profiles_approved", "", "", [100, 1500, 3000]),
        dashboard.Series("profiles_signed", "", "", [10, 900, 2900]),
        dashboard.Series("profiles_synced", "", "", [0, 30, 2500]),
        dashboard.Series("profiles_mismatched", "", "", [0, 0, 4]),
    ]
    bars = _bars(str(dashboard.shares_over_time_svg(days, series)), "day-bar")
    assert list(bars) == ["2025-09-10", "2025-09-11", "2025-09-12"]
    heights = {day: sum(s["h"] for s in segs) for day, segs in bars.items()}
    assert len({round(h, 1) for h in heights.values()}) == 1
    first = {s["stage"]: s for s in bars["2025-09-10"]}
    # 10 signed of 3,000 is a thin but present segment, not lost beside the total
    assert first["signed"]["n"] == 10 and first["signed"]["h"] > 0
    assert first["signed"]["h"] == pytest.approx(heights["2025-09-10"] * 10 / 3000, abs=0.1)
    assert "stage-synced" not in str(bars["2025-09-10"])
    last = {s["stage"]: int(s["n"]) for s in bars["2025-09-12"]}
    assert last == {"synced": 2500, "signed": 400, "approved": 100, "rest": 10}


def test_the_excel_report_is_vietnamese_for_a_user_working_in_english(world):
    """The key's status is a translatable choice: English on the English page, Vietnamese in
    the day's report (an official Vietnamese document) whatever the user's language."""
    from openpyxl import load_workbook

    from tests.english_wording import english_client

    client = english_client(world["a_viewer"])
    page = client.get(reverse("admin:syncing_progresssnapshot_changelist")).content.decode()
    assert "Active" in page and "Đang hoạt động" not in page
    url = reverse("admin:syncing_progresssnapshot_export", args=["xlsx"])
    sheet = load_workbook(io.BytesIO(client.get(url).content)).active
    cells = {c for row in sheet.iter_rows(values_only=True) for c in row}
    assert "Đang hoạt động" in cells and "Active" not in cells
