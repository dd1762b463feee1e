"""The demo's letter-5034 step: the three old provinces' systems and keys, the choice, the report
received by the emulator, the old keys revoked and the chosen one active; run twice, nothing new."""

from __future__ import annotations

from django.core import mail

from syncing.demo import OLD_SYSTEMS, set_up_ministry_report_demo
from syncing.emulator.models import ConnectionKey, ReceivedReport
from syncing.models import HrSystem, KeyState, MinistryReport, ReportSubmission, SystemKey
from tests.pdf_text import flat, pdf_text

from .conftest import NATIONAL_DB

pytestmark = NATIONAL_DB


def test_the_demo_records_the_inventory_the_report_and_the_revocations(
    connection, tree, rsa_signer
):
    note = set_up_ministry_report_demo("H40", signer=rsa_signer)
    systems = HrSystem.objects.filter(agency=tree["H40"])
    assert systems.count() == 4 and systems.filter(is_chosen=True).count() == 1
    old_keys = SystemKey.objects.filter(system__is_chosen=False)
    assert old_keys.count() == 3
    assert set(old_keys.values_list("state", flat=True)) == {KeyState.REVOKED}
    national = {k.key_id: k.status for k in ConnectionKey.objects.filter(agency_code="H40")}
    assert [national[k.key_id] for k in old_keys] == ["revoked"] * 3
    assert national[connection.key_id] == "active"
    assert [k for k, s in national.items() if s == "active"] == [connection.key_id]
    received = ReceivedReport.objects.get(agency_code="H40")
    text = flat(pdf_text(bytes(received.document)))
    for _, name, *_rest in OLD_SYSTEMS:
        assert name in text
    assert "215/BC-UBND" in note and received.receipt_id in note
    assert received.signed_at and received.signature_certificate == "Nguyễn Văn An (THỬ NGHIỆM)"
    # each old key's administrator was told of its revocation
    told = {m.to[0] for m in mail.outbox if "thu hồi" in m.subject}
    assert told == set(old_keys.values_list("admin_email", flat=True))
    again = set_up_ministry_report_demo("H40", signer=rsa_signer)
    assert "đã gửi" in again and received.receipt_id in again
    assert ReceivedReport.objects.count() == 1 and ReportSubmission.objects.count() == 1
    assert MinistryReport.objects.count() == 1 and HrSystem.objects.count() == 4
