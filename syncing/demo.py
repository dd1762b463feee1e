"""The sync queue's part of the demo: Tỉnh Phú Thọ's connection from the key the emulator
handed over (``var/national-demo-key.json``), its sync schedule, the signed demo profiles
queued, and the django-q2 schedules. The worker started by ``serve()`` sends them (a run is
queued right away; the every-minute schedule picks up anything left)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.db import transaction

from cbccvc.history import attribute
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
    attribute(conn, acting_user=None, reason="Demo: khóa kết nối do CSDL quốc gia mô phỏng cấp")
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


# -- letter 5034: the old provinces' systems and keys, the choice, the report (issue 16) ---------
OLD_SYSTEMS = [
    # (old province (000.00.00.Hnn), system name, vendor, version, profiles, key admin, e-mail)
    ("H44", "QLCB tỉnh Phú Thọ", "VNPT Phú Thọ", "3.1", 41250, "Hoàng Văn Tùng", "tung.hv"),
    ("H62", "HRM Vĩnh Phúc", "Viettel Vĩnh Phúc", "2019", 38400, "Trần Thị Vĩnh", "vinh.tt"),
    ("H29", "QLHS CBCCVC Hòa Bình", "TT CNTT Hòa Bình", "2.0", 27300, "Bùi Văn Hòa", "hoa.bv"),
]  # fmt: skip
DEMO_REPORT_NUMBER = "215/BC-UBND"
REPORT_SIGNER = "phutho.pheduyet"  # holds the demo's TEST signing key


def set_up_ministry_report_demo(agency_code: str = "H25", *, signer: Any = None) -> str:
    """The new province's inventory of the three old provinces' HR systems and their keys (as
    the emulator issued them before the merger), the choice of the system in use, the report
    to the ministry produced and submitted, and the old keys revoked at its request — through
    the real client and contract, the emulator served in a thread for the step. The report is
    signed with ``signer`` (a :class:`~signing.keys.Signer`), by default the demo
    signer's TEST key. Idempotent."""
    from django.contrib.auth import get_user_model

    from signing.demo import open_demo_signer
    from syncing.emulator.keys import issue_key
    from syncing.emulator.models import ConnectionKey
    from syncing.emulator.server import EmulatorThread

    from . import inventory_actions, report_documents, report_signing
    from .inventory import HrSystem, SystemKey, SystemStatus
    from .reports import MinistryReport, ReportKind, ReportSubmission

    agency = Unit.objects.active().get(code=agency_code)
    conn = Connection.objects.filter(
        unit=agency, destination=Destination.NATIONAL, is_official=True
    ).first()
    if conn is None:
        return "Báo cáo Bộ Nội vụ: bỏ qua (chưa có kết nối chính thức)."
    done = ReportSubmission.objects.filter(
        report__agency=agency,
        report__number=DEMO_REPORT_NUMBER,
        status__in=["accepted", "already_received"],
    ).first()
    if done is not None:
        return f"Báo cáo Bộ Nội vụ {DEMO_REPORT_NUMBER}: đã gửi (mã tiếp nhận {done.receipt_id})."
    actor = get_user_model().objects.filter(username="phutho.quantri").first()
    chosen, _ = HrSystem.objects.get_or_create(
        agency=agency,
        name=conn.software_name,
        defaults={
            "product": conn.software_name,
            "vendor": "cbccvc (mã nguồn mở)",
            "profile_count": 41250 + 38400 + 27300,
            "is_chosen": True,
            "chosen_on": date(2025, 7, 15),
            "in_use_since": date(2025, 7, 1),
            "choice_reason": (
                "Dùng chung cho toàn tỉnh sau hợp nhất; đã kết nối thử thành công với CSDL quốc "
                "gia; chuyển đổi được dữ liệu của cả ba phần mềm cũ."
            ),
        },
    )
    chosen.units_served.add(agency)
    SystemKey.objects.get_or_create(
        system=chosen,
        key_id=conn.key_id,
        defaults={
            "connection": conn,
            "admin_name": conn.admin_name,
            "admin_position": "Phó Trưởng phòng CNTT, Sở Nội vụ",
            "admin_phone": conn.admin_phone,
            "admin_email": conn.admin_email,
        },
    )
    for code, name, vendor, version, count, admin, mailbox in OLD_SYSTEMS:
        system, created = HrSystem.objects.get_or_create(
            agency=agency,
            name=name,
            defaults={
                "product": name,
                "vendor": vendor,
                "version": version,
                "profile_count": count,
                "status": SystemStatus.RETIRED,
                "in_use_since": date(2018, 1, 1),
                "retired_on": date(2025, 6, 30),
            },
        )
        old_unit = Unit.objects.filter(code=f"000.00.00.{code}").first()  # dissolved 1/7/2025
        if old_unit is not None:
            system.units_served.add(old_unit)
        if created or not system.keys.exists():
            old_key = issue_key(  # issued before the merger, to the old program
                agency_code=agency_code,
                agency_name=agency.name,
                software_name=name,
                software_vendor=vendor,
                admin_name=admin,
                admin_phone="0210 3846 000",
                admin_email=f"{mailbox}@example.gov.vn",
            ).key
            SystemKey.objects.create(
                system=system,
                key_id=old_key.key_id,
                state=old_key.status,
                admin_name=admin,
                admin_position="Chuyên viên CNTT, Sở Nội vụ tỉnh cũ",
                admin_phone=old_key.admin_phone,
                admin_email=old_key.admin_email,
            )
    report, _ = MinistryReport.objects.get_or_create(
        agency=agency,
        number=DEMO_REPORT_NUMBER,
        defaults={
            "kind": ReportKind.SOFTWARE,
            "place": "Phú Thọ",
            "report_date": date(2025, 7, 18),
            "signer_name": "Nguyễn Văn Khánh",
            "signer_position": "KT. Chủ tịch\nPhó Chủ tịch",
            "created_by": actor,
        },
    )
    report_documents.produce(report, actor=actor)
    # signed with the key of the province's signer (the demo approver's TEST key)
    if signer is None:
        _credential, demo_signer = open_demo_signer(REPORT_SIGNER)
        with demo_signer:
            signed_by = get_user_model().objects.get(username=REPORT_SIGNER)
            report_signing.sign_report(report, demo_signer, acting_user=signed_by)
    else:
        report_signing.sign_report(report, signer, acting_user=actor)
    thread = EmulatorThread()
    thread.start()
    try:
        record = report_documents.submit(report, actor=actor, base_url=thread.url)
        outcome = inventory_actions.request_old_key_revocation(
            agency, acting_user=actor, base_url=thread.url
        )
    finally:
        thread.stop()
    active = ConnectionKey.objects.filter(
        agency_code=agency_code, status=ConnectionKey.Status.ACTIVE
    ).count()
    return (
        f"Báo cáo Bộ Nội vụ {report.number}: 3 phần mềm cũ của Phú Thọ, Vĩnh Phúc, Hòa Bình và "
        f"khóa kết nối của chúng, hệ thống được chọn {chosen.name}; đã gửi (mã tiếp nhận "
        f"{record.receipt_id}); {outcome.summary()[:-1]}, {active} khóa đang hoạt động."
    )
