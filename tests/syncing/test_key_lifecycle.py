"""Letter 5034: one software per agency on the national side, the revocation request for the
old systems' keys sent from the systems inventory, and the e-mail to each key's administrator."""

from __future__ import annotations

from datetime import date

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import translation

from syncing.emulator.keys import activate_key
from syncing.emulator.models import ConnectionKey
from syncing.inventory_actions import refresh_key_states, request_old_key_revocation
from syncing.models import Connection, HrSystem, KeyState, SystemKey, SystemStatus

from .conftest import NATIONAL_DB

pytestmark = NATIONAL_DB

OLD_VP = "Phần mềm QLCB Vĩnh Phúc"
OLD_HB = "Phần mềm QLCB Hòa Bình"


def _status(key_id: str) -> ConnectionKey:
    return ConnectionKey.objects.get(key_id=key_id)


def test_activating_the_chosen_software_revokes_the_other_software_keys(national_server):
    old = national_server.issue_key("H40", software_name=OLD_VP, admin_email="vp@example.gov.vn")
    other_agency = national_server.issue_key("H41", software_name=OLD_HB)
    mail.outbox.clear()
    chosen = national_server.issue_key(
        "H40", software_name="Phần mềm mới", admin_email="moi@example.gov.vn", activate=False
    )
    activate_key(chosen.key.key_id)
    assert _status(chosen.key.key_id).status == "active"
    revoked = _status(old.key.key_id)
    assert revoked.status == "revoked"
    assert "Phần mềm mới" in revoked.revoked_reason and chosen.key.key_id in revoked.revoked_reason
    assert _status(other_agency.key.key_id).status == "active"
    to = {m.to[0]: m for m in mail.outbox}
    assert set(to) == {"vp@example.gov.vn", "moi@example.gov.vn"}
    assert "thu hồi" in to["vp@example.gov.vn"].subject
    assert revoked.revoked_reason in to["vp@example.gov.vn"].body
    assert "kích hoạt" in to["moi@example.gov.vn"].subject
    # a new key of the same software (a rotation) is not a second program: both stay active
    same = national_server.issue_key("H40", software_name="Phần mềm mới")
    assert _status(same.key.key_id).status == "active"
    assert _status(chosen.key.key_id).status == "active"


def test_a_second_active_software_is_refused_unless_the_first_is_revoked(national_server):
    old = national_server.issue_key("H40", software_name=OLD_VP)
    new = national_server.issue_key("H40", software_name="Phần mềm mới", activate=False)
    mail.outbox.clear()
    with pytest.raises(ValidationError, match="một phần mềm"):
        activate_key(new.key.key_id, revoke_others=False)
    assert _status(old.key.key_id).status == "active"
    assert _status(new.key.key_id).status == "issued"
    assert mail.outbox == []  # nothing changed, nobody told
    # a party database key of another software is another destination: it stays
    party = national_server.issue_key("H40", software_name="QLĐV", destination="party")
    activate_key(new.key.key_id)
    assert _status(old.key.key_id).status == "revoked"
    assert _status(party.key.key_id).status == "active"


def test_the_agency_asks_to_revoke_old_keys_and_sees_only_its_own(national_server):
    own = national_server.issue_key("H40")
    old = national_server.issue_key("H40", software_name=OLD_VP, activate=False)
    foreign = national_server.issue_key("H41", software_name=OLD_HB)
    client = national_server.client(own)
    assert {k["key_id"] for k in client.list_keys()} == {own.key.key_id, old.key.key_id}
    ids = [old.key.key_id, foreign.key.key_id, own.key.key_id, old.key.key_id]
    results = client.request_key_revocation(ids, "Hệ thống Vĩnh Phúc đã dừng")
    assert [r["status"] for r in results] == ["revoked", "rejected", "rejected", "already_revoked"]
    assert [r.get("code") for r in results[1:3]] == ["not_found", "request_invalid"]
    assert _status(foreign.key.key_id).status == "active"
    assert _status(own.key.key_id).status == "active"
    assert "Hệ thống Vĩnh Phúc đã dừng" in _status(old.key.key_id).revoked_reason


def _inventory(agency, connection: Connection, old_key_ids: list[str]) -> HrSystem:
    chosen = HrSystem.objects.create(
        agency=agency,
        name="Phần mềm QLCB thử nghiệm",
        is_chosen=True,
        choice_reason="Quản lý nhiều hồ sơ nhất, đã kết nối CSDL quốc gia.",
        profile_count=1200,
    )
    SystemKey.objects.create(system=chosen, key_id=connection.key_id, connection=connection)
    old = HrSystem.objects.create(
        agency=agency, name=OLD_VP, status=SystemStatus.MIGRATING, profile_count=800
    )
    for key_id in old_key_ids:
        SystemKey.objects.create(system=old, key_id=key_id, admin_name="Trần Thị Cũ")
    return old


def test_the_inventory_sends_the_old_systems_keys_and_records_the_answer(
    connection, national, tree
):
    agency = tree["H40"]
    old_key = national.issue_key("H40", software_name=OLD_VP, activate=False)
    old = _inventory(agency, connection, [old_key.key.key_id, "KN-KHONG-CO"])
    outcome = request_old_key_revocation(agency, acting_user=None)
    assert outcome.revoked == [old_key.key.key_id]
    assert list(outcome.rejected) == ["KN-KHONG-CO"]
    assert _status(old_key.key.key_id).status == "revoked"
    states = dict(old.keys.values_list("key_id", "state"))
    assert states == {
        old_key.key.key_id: KeyState.REVOKED,
        "KN-KHONG-CO": KeyState.REVOCATION_REQUESTED,
    }
    # the chosen system's key was not sent, and stays usable
    assert _status(connection.key_id).status == "active"
    assert SystemKey.objects.get(key_id=connection.key_id).state == KeyState.ACTIVE
    assert refresh_key_states(agency, acting_user=None) == 0


def test_no_revocation_request_without_a_chosen_system(connection, tree):
    HrSystem.objects.create(agency=tree["H40"], name=OLD_VP)
    with pytest.raises(ValidationError, match="chưa chọn"):
        request_old_key_revocation(tree["H40"], acting_user=None)


def test_a_chosen_system_needs_a_reason_and_only_one_per_agency(tree):
    system = HrSystem(agency=tree["H40"], name="A", is_chosen=True)
    with pytest.raises(ValidationError) as exc:
        system.full_clean()
    assert "choice_reason" in exc.value.message_dict
    system.choice_reason = "Lý do"
    system.save()
    with pytest.raises(ValidationError):
        HrSystem(agency=tree["H40"], name="B", is_chosen=True, choice_reason="x").full_clean()


def test_the_letter_is_in_vietnamese_whatever_the_language_of_who_acts(national_server):
    issued = national_server.issue_key(
        "H40", software_name=OLD_VP, admin_email="vp@example.gov.vn", activate=False
    )
    mail.outbox.clear()
    with translation.override("en"):
        activate_key(issued.key.key_id)
    (letter,) = mail.outbox
    with translation.override("vi"):
        destination = str(_status(issued.key.key_id).get_destination_display())
    assert f"Nơi nhận: {destination}\n" in letter.body, letter.body


def test_the_agency_admin_home_counts_old_keys_and_shows_the_latest_changes(
    connection, national, tree, django_user_model
):
    from django.test import Client

    from orgtree.models import Role, UnitAssignment

    agency = tree["H40"]
    old_key = national.issue_key("H40", software_name=OLD_VP, activate=False)
    _inventory(agency, connection, [old_key.key.key_id])
    admin = django_user_model.objects.create_user("quantri", is_staff=True)
    UnitAssignment.objects.create(user=admin, unit=agency, role=Role.AGENCY_ADMIN)
    browser = Client()
    browser.force_login(admin)

    def card() -> str:
        page = browser.get("/admin/").content.decode()
        start = page.index("Khóa kết nối của hệ thống cũ chưa thu hồi")
        return page[page.rindex("<li", 0, start) : page.index("</li>\n    \n", start)]

    before = card()
    assert 'portal-card__count">1<' in before and "portal-card--attention" in before
    url = before.split('href="', 1)[1].split('"', 1)[0].replace("&amp;", "&")
    listed = browser.get(url)
    assert listed.status_code == 200  # a lookup the admin refuses redirects to ?e=1
    assert old_key.key.key_id in listed.content.decode()
    request_old_key_revocation(agency, acting_user=admin)
    after = card()
    assert 'portal-card__count">0<' in after
    assert f"{old_key.key.key_id} ({OLD_VP}): Đã thu hồi" in after


def test_several_connections_per_agency_one_official_used_and_reported(tree):
    """An agency holds the old systems' keys beside its own (several connections to one
    destination), only one official: the queue sends through it and the progress Excel's
    contact column names its administrator."""
    import io

    from django.db import IntegrityError, transaction
    from openpyxl import load_workbook

    from syncing import dashboard
    from syncing.queue import connection_for

    agency = tree["H40"]

    def conn(key_id: str, official: bool, admin: str) -> Connection:
        made = Connection(
            unit=agency,
            destination="national",
            software_name=key_id,
            base_url="http://127.0.0.1:9/",
            key_id=key_id,
            is_official=official,
            admin_name=admin,
            admin_phone="0238 3844 000",
            admin_email=f"{key_id.lower()}@example.gov.vn",
        )
        made.set_secret("s3cret")
        made.save()
        return made

    official = conn("KN-MOI", True, "Nguyễn Văn Quản")
    conn("KN-CU-1", False, "Trần Thị Cũ")
    conn("KN-CU-2", False, "Lê Văn Cũ")
    with pytest.raises(IntegrityError), transaction.atomic():
        conn("KN-HAI", True, "Ai Đó")
    assert Connection.objects.filter(unit=agency).count() == 3
    assert connection_for(tree["H40.10"], "national") == official
    rows = dashboard.progress_rows([agency])
    data = dashboard.render_xlsx(rows, date(2025, 9, 18))
    sheet = load_workbook(io.BytesIO(data)).active
    header = [c.value for c in sheet[3]]
    column = header.index("Người quản trị khóa (điện thoại, thư điện tử)")
    contact = sheet.cell(row=4, column=column + 1).value
    assert contact.split("\n") == ["Nguyễn Văn Quản", "0238 3844 000", "kn-moi@example.gov.vn"]
