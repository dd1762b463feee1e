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

    conn = Connection.objects.filter(unit=agency, destination=Destination.NATIONAL).first()
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
    thread = EmulatorThread()
    thread.start()
    try:
        delivered = _deliver_queue(thread.url)
        run = reconcile()
        with NationalClient(thread.url, *credentials, timeout=30) as client:
            units = orgsync.pull_national_tree(agency, client)
            suggested = orgsync.suggest_matches(agency)
            confirmed = _confirm_code_matches(agency)
            pulled = reconciliation.pull_mismatches(agency, client)
    finally:
        thread.stop()
    reconciliation.snapshot_counts(agency)
    dashboard.take_snapshots()
    recon_tasks.ensure_schedule()
    open_count = agency_open_mismatches(agency)
    return (
        f"Đối khớp: {delivered} hồ sơ đã ký số được gửi; CSDL quốc gia mô phỏng kiểm tra "
        f"{run.checked} hồ sơ, {run.mismatches} sai lệch; tỉnh Phú Thọ nhận {pulled.received} "
        f"kết quả ({open_count} chờ xử lý). Cây tổ chức quốc gia: {units} đơn vị, {confirmed} "
        f"mã trùng khớp đã xác nhận, {suggested.by_name} đề xuất theo tên chờ xác nhận."
    )


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
