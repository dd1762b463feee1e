"""The demo's last step: the national side reconciles what it received against its population
registry, and Tỉnh Phú Thọ pulls its national unit tree and the mismatches, so the code-matching
page, the "đối khớp" worklist and the dashboard have content.

Runs after the emulator's and the sync queue's steps. The emulator is served for the duration of
the step on a free port in a thread (the demo's web processes are not running yet); everything
goes through the real client and contract. Idempotent: running it again changes nothing new.
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError

from orgtree.models import Unit

from . import dashboard, orgsync, recon_tasks, reconciliation
from .recon_models import UnitMatch

AGENCY_CODE = "H25"
ADMIN_USERNAME = "phutho.quantri"


def _credentials(agency: Unit) -> tuple[str, str] | None:
    """(key id, secret) of the agency's connection, else of the emulator's hand-over file."""
    from .models import Connection, Destination

    conn = Connection.objects.filter(
        unit=agency, destination=Destination.NATIONAL, is_official=True
    ).first()
    if conn is not None:
        return conn.key_id, conn.secret()
    from .emulator.demo import read_handoff

    handoff = read_handoff()
    if handoff:
        return handoff["key_id"], handoff["secret"]
    return None


def set_up_reconciliation_demo() -> str:
    from .client import NationalClient
    from .emulator.reconciliation import reconcile
    from .emulator.server import EmulatorThread

    agency = Unit.objects.active().filter(code=AGENCY_CODE).first()
    credentials = _credentials(agency) if agency else None
    if agency is None or credentials is None:
        return "Đối khớp: bỏ qua (chưa có khóa kết nối của tỉnh Phú Thọ)."
    extra = _sign_people_the_registry_disagrees_with(agency)
    thread = EmulatorThread()
    thread.start()
    try:
        with NationalClient(thread.url, *credentials, timeout=30) as client:
            # the org tree first: profiles of units unknown nationally would be refused
            units = orgsync.pull_national_tree(agency, client)
            suggested = orgsync.suggest_matches(agency)
            confirmed = _confirm_code_matches(agency)
            pushed = orgsync.push_units(agency, client)
            if pushed.created:  # the units the national side just learned: pulled and matched
                units = orgsync.pull_national_tree(agency, client)
                suggested = orgsync.suggest_matches(agency)
                confirmed = _confirm_code_matches(agency)
            delivered = _deliver_queue(thread.url)
            run = reconcile()
            pulled = reconciliation.pull_mismatches(agency, client)
    finally:
        thread.stop()
    reconciliation.snapshot_counts(agency)
    dashboard.take_snapshots()
    recon_tasks.ensure_schedule()
    open_count = agency_open_mismatches(agency)
    return (
        f"Đối khớp: thêm {extra} hồ sơ ký số (người có sai lệch với CSDL dân cư mô phỏng, để "
        f"danh sách đối khớp có nội dung); {delivered} hồ sơ được gửi; CSDL quốc gia mô phỏng "
        f"kiểm tra {run.checked} hồ sơ, {run.mismatches} sai lệch; tỉnh Phú Thọ nhận "
        f"{pulled.received} kết quả ({open_count} chờ xử lý). Cây tổ chức quốc gia: "
        f"{units} đơn vị, {confirmed} mã trùng khớp đã xác nhận, "
        f"{suggested.by_name} đề xuất theo tên chờ xác nhận."
    )


PER_KIND = 3  # profiles signed per kind of mismatch, for the demo's worklist
HR_USERNAME = "phutho.nhansu"
APPROVER_USERNAME = "phutho.pheduyet"


def _sign_people_the_registry_disagrees_with(agency: Unit) -> int:
    """Make sure a few signed profiles (``PER_KIND`` of each kind) are of people the
    population registry disagrees with, so the reconciliation has something to return; sign
    the drafts needed. Idempotent whatever the reconciliation found: the profiles ever signed
    count towards each kind, in a fixed order, so a second run picks the same people and signs
    none. The signing queues them for sync."""
    from orgtree.tree import subtree_q
    from profiles import workflow
    from profiles.models import Profile, ProfileSignature, ProfileStatus
    from profiles.signatures.versions import sign_version
    from signing.demo import open_demo_signer

    from .emulator.models import PopulationRecord

    agency = Unit.objects.get(pk=agency.pk)
    User = get_user_model()
    hr = User.objects.filter(username=HR_USERNAME).first()
    approver = User.objects.filter(username=APPROVER_USERNAME).first()
    if hr is None or approver is None:
        return 0
    in_agency = Profile.objects.filter(subtree_q(agency, "unit"))
    drafts = dict(
        in_agency.filter(status=ProfileStatus.DRAFT, error_count=0).values_list("personal_id", "pk")
    )
    signed_before = set(
        ProfileSignature.objects.filter(version__profile__in=in_agency).values_list(
            "version__profile__personal_id", flat=True
        )
    )
    ids = sorted(set(drafts) | signed_before)
    variants: dict[str, str] = {}
    for start in range(0, len(ids), 500):
        variants.update(
            PopulationRecord.objects.filter(personal_id__in=ids[start : start + 500]).values_list(
                "personal_id", "variant"
            )
        )
    chosen: dict[str, list[str]] = {}
    for personal_id in ids:
        variant = variants.get(personal_id, "not_found")
        if variant != "exact" and len(chosen.setdefault(variant, [])) < PER_KIND:
            chosen[variant].append(personal_id)
    to_sign = [drafts[p] for ps in chosen.values() for p in ps if p not in signed_before]
    if not to_sign:
        return 0
    credential, signer = open_demo_signer(APPROVER_USERNAME)
    signed = 0
    for pk in sorted(to_sign):
        version = workflow.submit(Profile.objects.get(pk=pk), hr)
        workflow.approve(version, approver)
        sign_version(version, signer, approver, credential=credential)
        signed += 1
    return signed


def _deliver_queue(url: str) -> int:
    """Deliver the signed profiles waiting in the sync queue now (the demo's web processes are
    not running yet), through the queue's own sender, to the emulator served at ``url``."""
    from .destinations import adapter_for
    from .sender import run_once

    def adapter(conn: Any) -> Any:
        conn.base_url = url  # in memory only: the sender never saves the connection row
        return adapter_for(conn, timeout=30)

    delivered = 0
    for _ in range(50):  # each pass sends at most one batch per connection
        stats = run_once(adapter_factory=adapter)
        if not stats.claimed:
            break
        delivered += stats.synced
    return delivered


def _confirm_code_matches(agency: Unit) -> int:
    """The agency admin confirms the suggestions whose identifier code is the national code."""
    admin = get_user_model().objects.filter(username=ADMIN_USERNAME).first()
    if admin is None:
        return 0
    for match in UnitMatch.objects.filter(
        unit__in=orgsync.agency_units(agency),
        status=UnitMatch.Status.SUGGESTED,
        method=UnitMatch.Method.CODE,
    ):
        try:
            orgsync.confirm_match(match, admin)
        except ValidationError:
            continue
    return UnitMatch.objects.filter(
        unit__in=orgsync.agency_units(agency), status=UnitMatch.Status.CONFIRMED
    ).count()


def agency_open_mismatches(agency: Unit) -> Any:
    from orgtree.tree import subtree_q

    from .recon_models import Mismatch

    agency = Unit.objects.get(pk=agency.pk)
    return Mismatch.objects.filter(
        subtree_q(agency, "profile__unit"), status=Mismatch.Status.OPEN
    ).count()
