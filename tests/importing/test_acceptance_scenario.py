"""Issue 4's acceptance scenario, on generated files.

Three workbooks in three vendor styles for the old Phú Thọ, Vĩnh Phúc and Hòa Bình: one
Unicode with Vietnamese headers and text dates; one in TCVN3 with Excel serial dates and 1/0
for sex; one NFD with unaccented upper-case headers, abbreviated places and ISO dates; 5 % of
the people present in two files, 2 % bad rows. After import into the new Tỉnh Phú Thọ: every
name is NFC Unicode and equals the truth, the shared people are one profile each, every bad
row is reported with its row number, places resolve to the new province.

The three files go through the ``import_profiles`` command (the real door, report included)
into the merged tree built by :mod:`orgtree.scenarios`; the truth comes from the generator.
"""

from __future__ import annotations

import json
import unicodedata

import pytest
from django.core.management import call_command

from orgtree.models import Role, Unit, UnitAssignment
from orgtree.scenarios import build_pre_reform_phu_tho_trees, merge_into_new_phu_tho
from orgtree.tree import is_within
from profiles.models import Profile
from transfer.vendor_samples import NOISES, make_vendor_samples

pytestmark = pytest.mark.django_db


@pytest.fixture
def new_phu_tho(codes, reference_data):
    trees = merge_into_new_phu_tho(build_pre_reform_phu_tho_trees())
    return Unit.objects.get(pk=trees.new_committee.pk)


@pytest.fixture
def officer(new_phu_tho):
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.create_user("phutho.nhansu", password=None, is_staff=True)
    UnitAssignment.objects.create(user=user, unit=new_phu_tho, role=Role.HR_OFFICER)
    return get_user_model().objects.get(pk=user.pk)


def test_three_vendor_workbooks_into_the_new_phu_tho(tmp_path, new_phu_tho, officer):
    samples = make_vendor_samples(tmp_path / "vendors", 100, seed=2025)
    assert [f.style for f in samples.files] == ["unicode", "tcvn3", "nfd"]
    assert {s.noise for s in samples.shared} == set(NOISES)
    assert {b.kind for b in samples.bad_rows} == {"date", "id", "grade", "name"}

    report_path = tmp_path / "report.json"
    call_command(
        "import_profiles",
        *[str(p) for p in samples.paths],
        "--unit",
        new_phu_tho.code,
        "--report",
        str(report_path),
        "--user",
        officer.username,
    )
    report = json.loads(report_path.read_text(encoding="utf-8"))

    # every name is NFC Unicode and equals the truth; one profile per person
    truth = samples.expected_names()
    profiles = {p.personal_id: p for p in Profile.objects.all()}
    # a bad date or grade does not cost the person: imported, the value reported and kept
    soft = [b for b in samples.bad_rows if b.outcome == "warning"]
    assert soft and all(b.personal_id in profiles for b in soft)
    assert set(profiles) == set(truth) | {b.personal_id for b in soft}
    wrong = {
        pid: (profiles[pid].full_name, name)
        for pid, name in truth.items()
        if profiles[pid].full_name != name
    }
    assert not wrong
    assert all(unicodedata.is_normalized("NFC", p.full_name) for p in profiles.values())

    # the shared people are one profile each, whatever the noise between the copies
    for shared in samples.shared:
        assert Profile.objects.filter(personal_id=shared.personal_id).count() == 1
        if shared.noise == "old_id":
            expected_old = samples.people[shared.personal_id].old_id_number
            assert profiles[shared.personal_id].old_id_number == expected_old
    assert Profile.objects.count() == len(samples.people) + len(soft)

    # every bad row is reported with its file and row number: refused rows as errors, the
    # others with a warning naming the value, which is kept as written
    reported = {(f["file"], e["row"]) for f in report["files"] for e in f.get("error_list", [])}
    hard = [b for b in samples.bad_rows if b.outcome == "error"]
    missing = [(b.file, b.row, b.kind) for b in hard if (b.file, b.row) not in reported]
    assert not missing
    rows = {(r["file"], r["sheet"], r["row"]): r for r in report["rows"]}
    for b in soft:
        row = rows[(b.file, b.sheet, b.row)]
        assert row["action"] != "error"
        assert any(b.value in w for w in row["warnings"]), (b, row)
        assert b.value in row["kept"]["unrecognised"].values()
    by_file = {f["file"]: f for f in report["files"]}
    for sample in samples.files:
        bad = [b for b in hard if b.file == sample.path.name]
        assert by_file[sample.path.name]["errors"] == len(bad)
    assert sum(f["merged"] for f in report["files"]) >= len(samples.shared)

    # places resolve to the new province (GSO code 25), the units to today's tree
    for pid, person in samples.people.items():
        profile = profiles[pid]
        assert profile.hometown_province_code == person.expected_province_code, (
            profile.hometown_text
        )
        assert is_within(profile.unit, new_phu_tho)
        assert profile.unit.status == Unit.Status.ACTIVE
