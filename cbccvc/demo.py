"""The demo: one function that sets up a realistic merged province, one that serves it.

``set_up_demo()`` is idempotent (re-running it changes nothing) and used by
``python manage.py demo``; the steps are plain library calls so later work extends the list.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Permission
from django.core.management import call_command
from django.db import transaction

from orgtree.models import Role, Unit, UnitAssignment

DEMO_PASSWORD = "Demo@cbccvc-2025"  # printed by the demo; test material only


@dataclass(frozen=True)
class DemoUser:
    username: str
    full_name: str
    role: str | None  # None: national admin (superuser)
    unit_code: str | None
    #: the sensitive groups' permissions ("app_label.codename"), held by few people
    permissions: tuple[str, ...] = ()


@dataclass
class DemoResult:
    merged_province_code: str
    users: list[DemoUser] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


MERGED_PROVINCE_CODE = "H25"  # Ủy ban nhân dân tỉnh Phú Thọ (after 1/7/2025)
OTHER_PROVINCE_CODE = "H12"  # Hà Nội: a second agency, to show that scopes are separate

DEMO_USERS: list[DemoUser] = [
    DemoUser("quantri", "Quản trị quốc gia", None, None),
    DemoUser("phutho.quantri", "Nguyễn Văn Quản", Role.AGENCY_ADMIN, MERGED_PROVINCE_CODE),
    # the HR officer keeps the health group (10); the approver signs whole profiles, group 9
    # (assets and income) included; the others see a note in place of these groups
    DemoUser(
        "phutho.nhansu",
        "Trần Thị Nhân",
        Role.HR_OFFICER,
        MERGED_PROVINCE_CODE,
        permissions=("profiles.view_health",),
    ),
    DemoUser(
        "phutho.pheduyet",
        "Lê Văn Duyệt",
        Role.APPROVER,
        MERGED_PROVINCE_CODE,
        permissions=("profiles.view_health", "profiles.view_assets_income"),
    ),
    DemoUser("phutho.xem", "Phạm Thị Xem", Role.VIEWER, MERGED_PROVINCE_CODE),
    DemoUser("phutho.tichhop", "Hệ thống tích hợp Phú Thọ", Role.INTEGRATION, MERGED_PROVINCE_CODE),
    DemoUser("hanoi.nhansu", "Đỗ Văn Hà", Role.HR_OFFICER, OTHER_PROVINCE_CODE),
]


def _create_users() -> list[DemoUser]:
    User = get_user_model()
    for spec in DEMO_USERS:
        user, created = User.objects.get_or_create(
            username=spec.username,
            defaults={
                "first_name": spec.full_name,
                "is_staff": True,
                "is_superuser": spec.role is None,
            },
        )
        if created:
            user.set_password(DEMO_PASSWORD)
            user.save(update_fields=["password"])
        if spec.role is not None and spec.unit_code is not None:
            unit = Unit.objects.active().get(code=spec.unit_code)
            UnitAssignment.objects.get_or_create(user=user, unit=unit, role=spec.role)
        for name in spec.permissions:
            app_label, codename = name.split(".")
            user.user_permissions.add(
                Permission.objects.get(content_type__app_label=app_label, codename=codename)
            )
    return DEMO_USERS


def _reference_data() -> str:
    from orgtree.refdata import load_reference_data

    load_reference_data()
    return "Dữ liệu đơn vị hành chính (GSO 4/1/2025, 1/7/2025 + 2026) đã nạp."


def _national_skeleton() -> str:
    from orgtree.skeleton import ensure_commune_committees, load_national_skeleton

    units = load_national_skeleton()
    committee = Unit.objects.active().get(code=MERGED_PROVINCE_CODE)
    created = ensure_commune_committees(committee)
    communes = Unit.objects.active().filter(parent=committee, kind=Unit.Kind.COMMUNE_PC).count()
    return (
        f"Khung cây tổ chức quốc gia: {len(units)} đơn vị gốc; "
        f"{communes} UBND xã, phường mới của tỉnh Phú Thọ" + ("." if created else " (giữ nguyên).")
    )


def _merged_province() -> str:
    from orgtree.scenarios import ensure_new_phu_tho
    from orgtree.tree import descendants

    committee = ensure_new_phu_tho()
    # the commune committees come with the next step: left out, so that a second run (which
    # finds them) reports the same figure as the first
    units = (
        descendants(committee)
        .filter(status=Unit.Status.ACTIVE)
        .exclude(kind=Unit.Kind.COMMUNE_PC)
        .count()
    )
    return (
        f"Tỉnh Phú Thọ mới ({committee.code}) hợp nhất từ Phú Thọ, Vĩnh Phúc, Hòa Bình "
        f"ngày 01/7/2025: {units} đơn vị đang hoạt động (chưa kể UBND cấp xã)."
    )


def _code_lists() -> str:
    from profiles.codelists import load_codelists

    result = load_codelists()
    return f"Danh mục dùng chung: {len(result.loaded) + len(result.unchanged)} danh mục đã nạp."


# How many people the demo generates; CBCCVC_DEMO_PEOPLE makes a smaller demo (the test that
# only checks that the demo serves uses 300).
DEMO_PEOPLE = 3000
DEMO_SEED = 2025


def demo_people() -> int:
    return int(os.environ.get("CBCCVC_DEMO_PEOPLE", DEMO_PEOPLE))


def _people() -> str:
    from orgtree.tree import subtree_q
    from profiles.models import Profile
    from profiles.synthetic import generate_people

    committee = Unit.objects.active().get(code=MERGED_PROVINCE_CODE)
    existing = Profile.objects.filter(subtree_q(committee, "unit")).count()
    if existing:
        return f"Hồ sơ mẫu: đã có {existing} hồ sơ trong tỉnh Phú Thọ (giữ nguyên)."
    result = generate_people(committee, demo_people(), seed=DEMO_SEED)
    return (
        f"Hồ sơ mẫu: {result.profiles} người ({result.rows} dòng dữ liệu) sinh trong "
        f"{result.seconds:.0f} giây."
    )


def _users() -> str:
    users = _create_users()
    return f"Tài khoản mẫu: {len(users)} người dùng, mỗi vai trò một người."


def _signing_material() -> str:
    from signing.demo import set_up_demo_signing

    return set_up_demo_signing(APPROVER_USERNAME)


DEMO_SIGNED_PROFILES = 20


def _signed_profiles() -> str:
    """Submit, approve and sign a few profiles with the demo approver's TEST key."""
    from orgtree.tree import subtree_q
    from profiles import workflow
    from profiles.models import Profile, ProfileSignature, ProfileStatus
    from profiles.signatures.versions import sign_version
    from signing.demo import open_demo_signer

    User = get_user_model()
    hr = User.objects.get(username=HR_USERNAME)
    approver = User.objects.get(username=APPROVER_USERNAME)
    committee = Unit.objects.active().get(code=MERGED_PROVINCE_CODE)
    in_province = Profile.objects.filter(subtree_q(committee, "unit"))
    # profiles ever signed: once delivered they are "synced", no longer "signed"
    already = (
        ProfileSignature.objects.filter(version__profile__in=in_province)
        .values("version__profile")
        .distinct()
        .count()
    )
    if already:
        return f"Hồ sơ đã ký số: {already} (giữ nguyên)."
    credential, signer = open_demo_signer(APPROVER_USERNAME)
    candidates = in_province.filter(status=ProfileStatus.DRAFT, error_count=0).order_by("pk")
    signed = 0
    for profile in candidates[:DEMO_SIGNED_PROFILES]:
        version = workflow.submit(profile, hr)
        workflow.approve(version, approver)
        sign_version(version, signer, approver, credential=credential)
        signed += 1
    return f"Hồ sơ đã trình, phê duyệt và ký số (khóa THỬ NGHIỆM): {signed}."


def _national_emulator() -> str:
    from syncing.emulator.demo import set_up_national_demo

    return set_up_national_demo()


def _reconciliation() -> str:
    from syncing.recon_demo import set_up_reconciliation_demo

    return set_up_reconciliation_demo()


HR_USERNAME = "phutho.nhansu"
APPROVER_USERNAME = "phutho.pheduyet"
DEMO_REVIEW_PAIRS = 3


def _review_queue() -> str:
    """Rows of an old system's export (ID digits swapped, name without diacritics, day and
    month of birth swapped) that the matcher is unsure of: they wait in the review queue for a
    person to compare side by side with the profile (no profile is created)."""
    from orgtree.text import fold
    from orgtree.tree import subtree_q
    from profiles.matching import PersonRecord, ProfileIndex
    from profiles.merging import propose_candidate
    from profiles.models import MergeCandidate, Profile, ProfileStatus

    committee = Unit.objects.active().get(code=MERGED_PROVINCE_CODE)
    in_province = Profile.objects.filter(subtree_q(committee, "unit"))
    if MergeCandidate.objects.filter(subtree_q(committee, "unit")).exists():
        return "Hàng đợi đối khớp hồ sơ trùng: đã có (giữ nguyên)."
    index = ProfileIndex.for_profiles(in_province)
    proposed = 0
    for person in in_province.filter(status=ProfileStatus.DRAFT).order_by("pk")[:200]:
        dob, pid = person.date_of_birth, person.personal_id
        if dob.day > 12 or dob.day == dob.month or pid[-1] == pid[-2]:
            continue
        row = {
            "personal_id": pid[:-2] + pid[-1] + pid[-2],
            "full_name": fold(person.full_name).upper(),
            "sex": person.sex,
            "date_of_birth": dob.replace(day=dob.month, month=dob.day).isoformat(),
            "hometown_text": person.hometown_text,
            "hometown_province_code": person.hometown_province_code,
            "ethnicity": person.ethnicity,
            "phone": "09" + pid[-8:],
            "permanent_residence": person.permanent_residence,
        }
        result = index.match(PersonRecord.from_row(row))
        if result.is_match and not result.is_certain and result.profile_id == person.pk:
            source = "Tệp xuất từ phần mềm cũ của tỉnh Vĩnh Phúc"
            proposed += propose_candidate(person, result, incoming=row, source=source) is not None
        if proposed == DEMO_REVIEW_PAIRS:
            break
    return f"Hàng đợi đối khớp hồ sơ trùng: {proposed} cặp chờ xem xét."


def _sync_connection() -> str:
    from syncing.demo import set_up_sync_demo

    return set_up_sync_demo(MERGED_PROVINCE_CODE)


def _ministry_report() -> str:
    """Letter 5034: the old provinces' systems and keys, the choice, the report sent, the old
    keys revoked (issue 16)."""
    from syncing.demo import set_up_ministry_report_demo

    return set_up_ministry_report_demo(MERGED_PROVINCE_CODE)


def _reform_profiles() -> str:
    """Profiles still written the pre-reform way, for the conversion campaign."""
    from .demo_reform import set_up_reform_profiles

    return set_up_reform_profiles(MERGED_PROVINCE_CODE)


# The ordered steps of the demo; later work appends its own.
# The merged province comes before the skeleton, which leaves existing codes alone; the users
# need both.
DEMO_STEPS: list[Callable[[], str]] = [
    _reference_data,
    _merged_province,
    _national_skeleton,
    _users,
    _code_lists,
    _people,
    _signing_material,
    _signed_profiles,
    _national_emulator,
    _review_queue,
    _sync_connection,
    _reconciliation,
    _reform_profiles,
    _ministry_report,
]


def set_up_demo(log: Callable[[str], None] = print) -> DemoResult:
    call_command("migrate", interactive=False, verbosity=0)
    result = DemoResult(merged_province_code=MERGED_PROVINCE_CODE)
    for step in DEMO_STEPS:
        with transaction.atomic():
            note = step()
        log(f"  ✓ {note}")
        result.notes.append(note)
    result.users = DEMO_USERS
    return result


def _interrupt(signum: int, frame: object) -> None:
    raise KeyboardInterrupt


def serve(
    host: str, port: int, log: Callable[[str], None] = print, *, national_port: int | None = None
) -> int:
    """Run the web app, a django-q2 worker and the emulator of the national database
    (``NATIONAL_EMULATOR_PORT``, 8765) until Ctrl-C or SIGTERM; return an exit code.

    The handlers are installed explicitly: a shell starts background jobs with SIGINT ignored,
    and Python would keep ignoring it.
    """
    signal.signal(signal.SIGINT, _interrupt)
    signal.signal(signal.SIGTERM, _interrupt)
    env = dict(os.environ)
    manage = [sys.executable, str(settings.BASE_DIR / "manage.py")]
    processes = {
        "web": subprocess.Popen(
            [*manage, "runserver", f"{host}:{port}", "--noreload", "--insecure"], env=env
        ),
        "worker": subprocess.Popen([*manage, "qcluster"], env=env),
    }
    national_port = national_port or settings.NATIONAL_EMULATOR_PORT
    processes["national"] = subprocess.Popen(
        [*manage, "national_emulator", "--port", str(national_port)], env=env
    )
    log(f"Đang chạy: ứng dụng web http://{host}:{port}/admin/ và tiến trình xử lý nền.")
    log(f"CSDL quốc gia mô phỏng: http://127.0.0.1:{national_port}/api/v1/health")
    log("Nhấn Ctrl-C để dừng.")
    try:
        while True:
            for name, proc in processes.items():
                if proc.poll() is not None:
                    log(f"Tiến trình {name} đã dừng (mã {proc.returncode}).")
                    return proc.returncode or 1
            time.sleep(0.5)
    except KeyboardInterrupt:
        return 0
    finally:
        log("Đang dừng …")
        for proc in processes.values():
            if proc.poll() is None:
                proc.terminate()  # SIGTERM: runserver exits, qcluster shuts down gracefully
        for proc in processes.values():
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                proc.kill()
