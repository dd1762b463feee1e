"""The sync queue's part of the demo: Tỉnh Phú Thọ's connection from the key the emulator
handed over (``var/national-demo-key.json``), its sync schedule, the signed demo profiles
queued, and the django-q2 schedules. The worker started by ``serve()`` sends them (a run is
queued right away; the every-minute schedule picks up anything left)."""

from __future__ import annotations

from datetime import date

from django.db import transaction

from orgtree.apikeys import ensure_purge_schedule
from orgtree.models import Unit
from orgtree.tree import subtree_q
from profiles.models import ProfileVersion, VersionStatus

from .models import Connection, Destination, SyncItem, SyncWindow
from .queue import enqueue


def set_up_sync_demo(agency_code: str = "H25") -> str:
    from syncing.emulator.demo import read_handoff

    from .tasks import ensure_schedule

    handoff = read_handoff()
    if not handoff:
        return "Đồng bộ: chưa có khóa kết nối của CSDL quốc gia mô phỏng, bỏ qua."
    unit = Unit.objects.active().get(code=agency_code)
    conn = Connection.objects.filter(
        unit=unit, destination=Destination.NATIONAL, is_official=True
    ).first()
    if conn is None:
        conn = Connection(unit=unit, destination=Destination.NATIONAL)
    conn.software_name = handoff.get("software_name") or "cbccvc"
    conn.base_url = handoff["base_url"]
    conn.key_id = handoff["key_id"]
    conn.set_secret(handoff["secret"])
    conn.admin_name = handoff.get("admin_name", "")
    conn.admin_phone = handoff.get("admin_phone", "")
    conn.admin_email = handoff.get("admin_email", "")
    conn.status = "active"
    conn._change_reason = "Demo: khóa kết nối do CSDL quốc gia mô phỏng cấp"
    conn.save()
    if not conn.windows.exists():
        SyncWindow.objects.create(
            connection=conn,
            label="Đợt đồng bộ chính thức",
            mode=SyncWindow.Mode.OFFICIAL,
            starts_on=date(2025, 9, 1),
            ends_on=date(2025, 9, 10),
        )
        SyncWindow.objects.create(
            connection=conn,
            label="Đồng bộ liên tục",
            mode=SyncWindow.Mode.CONTINUOUS,
            starts_on=date(2025, 9, 11),
        )
    signed = ProfileVersion.objects.filter(
        subtree_q(unit, "profile__unit"), status=VersionStatus.SIGNED
    )
    for version in signed:
        enqueue(version)
    SyncItem.objects.filter(
        subtree_q(unit, "version__profile__unit"), connection__isnull=True
    ).update(connection=conn)
    ensure_schedule()
    ensure_purge_schedule()  # the API call log is kept CBCCVC_API_LOG_RETENTION_DAYS days

    def start() -> None:
        from django_q.tasks import async_task

        async_task("syncing.tasks.run_sender", task_name="Đồng bộ hồ sơ (demo)")

    transaction.on_commit(start)
    queued = SyncItem.objects.filter(connection=conn).exclude(status="synced").count()
    return (
        f"Đồng bộ: kết nối {conn.key_id} của {unit.code}, lịch đồng bộ 01/09–10/09/2025 rồi "
        f"liên tục; {queued} hồ sơ đã ký số chờ gửi (tiến trình nền gửi khi ứng dụng chạy)."
    )
