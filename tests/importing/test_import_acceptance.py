"""The acceptance scenario of issue 4: three vendor workbooks of the old Phú Thọ, Vĩnh Phúc and
Hòa Bình imported into the new Tỉnh Phú Thọ through the admin's job service."""

from __future__ import annotations

import unicodedata

import pytest

from orgtree.models import Role
from orgtree.scenarios import ensure_new_phu_tho
from profiles.models import Profile
from transfer.jobs import start_import
from transfer.models import ImportJob
from transfer.results import full_report
from transfer.vendor_samples import make_vendor_samples

from .pipeline_fixtures import make_user

pytestmark = pytest.mark.django_db


def test_three_vendor_files_into_the_new_phu_tho(tmp_path, codes, reference_data):
    root = ensure_new_phu_tho()
    hr = make_user("phutho_nhansu", (root, Role.HR_OFFICER))
    samples = make_vendor_samples(tmp_path / "in", 100, seed=11)
    files = [(p.name, p) for p in samples.paths]
    preview = start_import(user=hr, unit=root, files=files, dry_run=True, run="now")
    preview.refresh_from_db()
    assert preview.status == ImportJob.Status.PLANNED
    assert Profile.objects.count() == 0
    job = start_import(user=hr, unit=root, files=files, dry_run=False, run="now")
    job.refresh_from_db()
    assert job.status == ImportJob.Status.DONE, job.error
    assert job.plan_hash == preview.plan_hash  # the commit did what the preview showed
    report = full_report(job)

    # every good person: one profile, the name NFC Unicode and equal to the truth
    profiles = {p.personal_id: p for p in Profile.objects.all()}
    # a bad date or grade does not cost the person (imported with a warning)
    soft = {b.personal_id for b in samples.bad_rows if b.outcome == "warning"}
    assert set(profiles) == set(samples.people) | soft
    for pid, truth in samples.people.items():
        p = profiles[pid]
        assert p.full_name == truth.full_name, (truth.file, truth.row)
        assert unicodedata.is_normalized("NFC", p.full_name)
        assert p.sex == truth.sex and p.date_of_birth.isoformat() == truth.date_of_birth
        # places resolve to the new province; units to today's tree
        assert p.hometown_province_code == truth.expected_province_code, truth.hometown
        assert p.unit.code == truth.expected_unit_code, (truth.old_unit_code, p.unit.code)
    # the shared people are one profile each: their noisy copies were merged
    merged = {(r["file"], r["row"]) for r in report.get("rows", []) if r["action"] == "merge"}
    for shared in samples.shared:  # the later of the two copies merged into the first
        copies = {(shared.noisy_file, shared.noisy_row), (shared.clean_file, shared.clean_row)}
        assert len(copies & merged) == 1, shared
    # every bad row is reported with its file, row and column
    errors = {(e["file"], e["row"]): e for f in report["files"] for e in f["error_list"]}
    hard = [b for b in samples.bad_rows if b.outcome == "error"]
    for bad in hard:
        assert (bad.file, bad.row) in errors, bad
        assert errors[(bad.file, bad.row)]["column"] == bad.column
    rows = {(r["file"], r["sheet"], r["row"]): r for r in report["rows"]}
    for bad in samples.bad_rows:
        if bad.outcome == "warning":
            row = rows[(bad.file, bad.sheet, bad.row)]
            assert row["action"] == "create" and any(bad.value in w for w in row["warnings"])
    totals = report["totals"]
    assert totals["errors"] == len(hard)
    assert totals["merged"] == len(samples.shared)
    created = sum(f["tables"].get("profile", {}).get("create", 0) for f in report["files"])
    assert created == len(samples.people) + len(soft)
    assert sum(f["people"]["created"] for f in report["files"]) == created
    assert totals["created"] > created  # the work and salary sheets too
