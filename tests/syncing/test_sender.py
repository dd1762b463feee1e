"""The queue against the emulator over real HTTP: sync, revoked key, circuit breaker, dead
letter and requeue, rejections, signature re-verification, rate limits, schedule windows."""

from __future__ import annotations

import time
from datetime import date, timedelta

from django.test import Client
from django.urls import reverse
from django.utils import timezone

from profiles.models import Profile, ProfileSignature, ProfileStatus, VersionStatus
from syncing.emulator.keys import revoke_key
from syncing.emulator.models import ReceivedProfile
from syncing.models import ConnectionStatus, SyncItem, SyncStatus, SyncWindow
from syncing.sender import SenderConfig, run, run_once
from tests.signing.conftest import other_ca  # noqa: F401 - fixture

from .conftest import NATIONAL_DB
from .helpers import sign_people

pytestmark = NATIONAL_DB

FAST = SenderConfig(
    batch_size=10,
    lease_seconds=5,
    max_attempts=3,
    backoff_base=0.01,
    backoff_cap=0.05,
    breaker_threshold=3,
    breaker_cooldown=0.3,
    timeout=5,
)


def _sign(tree, hr, approver, signer, n=5, seed=1):
    return sign_people(
        tree["H40.10"], n, hr_user=hr, approver_user=approver, signer=signer, seed=seed
    )


def _drain(config=FAST, seconds=20):
    return run(max_seconds=seconds, idle_seconds=0.3, poll=0.02, config=config)


def test_signed_profiles_are_synced_once_and_marked_synced(connection, tree, hr, approver, signer):
    versions = _sign(tree, hr, approver, signer, n=5)
    stats = _drain()
    assert stats.synced == 5
    assert SyncItem.objects.filter(status=SyncStatus.SYNCED).count() == 5
    for v in versions:
        v.refresh_from_db()
        assert v.status == VersionStatus.SYNCED
        assert v.sync_reference  # the national receipt
        assert Profile.objects.get(pk=v.profile_id).status == ProfileStatus.SYNCED
        assert (
            ReceivedProfile.objects.filter(
                personal_id=v.profile.personal_id, version_hash=v.content_hash
            ).count()
            == 1
        )
    # the signature was verified again before sending
    assert all(s.last_verification_ok for s in ProfileSignature.objects.all())
    connection.refresh_from_db()
    assert connection.last_sync_at is not None
    # nothing left to send: a further pass makes no call
    assert run_once(FAST).claimed == 0


def test_a_revoked_key_stops_every_call_with_a_clear_admin_message(
    connection, tree, hr, approver, signer, user_with
):
    _sign(tree, hr, approver, signer, n=4)
    revoke_key(connection.key_id, "Phần mềm không còn sử dụng")
    stats = run_once(FAST)
    assert stats.synced == 0
    connection.refresh_from_db()
    assert connection.status == ConnectionStatus.REVOKED
    assert "thu hồi" in connection.status_message
    assert ReceivedProfile.objects.count() == 0
    assert SyncItem.objects.filter(status=SyncStatus.SYNCED).count() == 0
    assert not Profile.objects.filter(status=ProfileStatus.SYNCED).exists()
    assert SyncItem.objects.filter(status=SyncStatus.PENDING).count() == 4
    # no further call is made for this connection
    from syncing.emulator.models import ConnectionKey

    used = ConnectionKey.objects.get(key_id=connection.key_id).last_used_at
    assert run_once(FAST).claimed == 0
    assert ConnectionKey.objects.get(key_id=connection.key_id).last_used_at == used
    # the admin says so, on the connection list and on the queue
    admin = user_with("quantri_tw", superuser=True)
    client = Client()
    client.force_login(admin)
    for url in (
        reverse("admin:syncing_connection_changelist"),
        reverse("admin:syncing_syncitem_changelist"),
    ):
        page = client.get(url).content.decode()
        assert "đã bị CSDL quốc gia thu hồi" in page
        assert connection.key_id in page


def test_the_circuit_breaker_opens_then_recovers(connection, national, tree, hr, approver, signer):
    _sign(tree, hr, approver, signer, n=3)
    CB = SenderConfig(**{**FAST.__dict__, "max_attempts": 100})
    national.set_faults(error_rate=1.0, seed=1)
    for _ in range(CB.breaker_threshold):
        SyncItem.objects.update(next_attempt_at=timezone.now())
        assert run_once(CB).claimed > 0
    connection.refresh_from_db()
    assert connection.consecutive_failures == CB.breaker_threshold
    assert connection.circuit_open_until is not None
    # open: time has not come, no call
    SyncItem.objects.update(next_attempt_at=timezone.now())
    assert run_once(CB).claimed == 0
    time.sleep(CB.breaker_cooldown + 0.05)
    SyncItem.objects.update(next_attempt_at=timezone.now())
    # half-open: one probe item; it fails, the circuit opens again
    assert run_once(CB).claimed == 1
    assert run_once(CB).claimed == 0
    national.set_faults()
    time.sleep(CB.breaker_cooldown + 0.05)
    SyncItem.objects.update(next_attempt_at=timezone.now(), attempts=0)
    probe = run_once(CB)
    assert probe.claimed == 1 and probe.synced == 1
    connection.refresh_from_db()
    assert connection.consecutive_failures == 0 and connection.circuit_open_until is None
    _drain(CB)
    assert SyncItem.objects.filter(status=SyncStatus.SYNCED).count() == 3


def test_dead_letter_after_max_attempts_then_requeue_in_the_admin(
    connection, national, tree, hr, approver, signer, user_with
):
    _sign(tree, hr, approver, signer, n=2)
    national.set_faults(error_rate=1.0, seed=2)
    config = SenderConfig(**{**FAST.__dict__, "breaker_threshold": 100})
    _drain(config, seconds=10)
    items = SyncItem.objects.all()
    assert {i.status for i in items} == {SyncStatus.DEAD}
    assert all(i.attempts == config.max_attempts for i in items)
    assert all(i.last_error_code == "unavailable" for i in items), [
        i.last_error_code for i in items
    ]
    assert ReceivedProfile.objects.count() == 0
    national.set_faults()
    hr_user = user_with("nhansu_h40", (tree["H40"], "hr_officer"))
    client = Client()
    client.force_login(hr_user)
    url = reverse("admin:syncing_syncitem_changelist")
    listing = client.get(url, {"status__exact": "dead"}).content.decode()
    assert "Hết lượt gửi lại" in listing
    response = client.post(
        url, {"action": "requeue_items", "_selected_action": [i.pk for i in items]}
    )
    assert response.status_code == 302
    assert set(SyncItem.objects.values_list("status", flat=True)) == {SyncStatus.PENDING}
    _drain(config)
    assert SyncItem.objects.filter(status=SyncStatus.SYNCED).count() == 2


def test_a_rejected_item_goes_to_the_dead_letter_with_the_national_reason(
    connection, tree, hr, approver, signer
):
    (version,) = sign_people(
        tree["H40.10.01"], 1, hr_user=hr, approver_user=approver, signer=signer
    )
    from syncing.emulator.models import NationalUnit

    NationalUnit.objects.filter(code="H40.10.01").delete()
    _drain()
    item = SyncItem.objects.get()
    assert item.status == SyncStatus.DEAD
    assert item.last_error_code == "unit_unknown"
    version.refresh_from_db()
    assert version.status == VersionStatus.SIGNED


def test_a_version_whose_signature_no_longer_verifies_is_not_sent(
    connection, tree, hr, approver, signer
):
    (version,) = _sign(tree, hr, approver, signer, n=1)
    signature = ProfileSignature.objects.get(version=version)
    tampered = bytes(signature.signed_document).replace(b"<", b" <", 1)
    doc = bytes(signature.signed_document)
    name = version.profile.full_name.encode()
    tampered = doc.replace(name, name + b"x", 1) if name in doc else tampered
    ProfileSignature.objects.filter(pk=signature.pk).update(signed_document=tampered)
    _drain()
    item = SyncItem.objects.get()
    assert item.status == SyncStatus.DEAD
    assert item.last_error_code == "signature_invalid"
    assert ReceivedProfile.objects.count() == 0


def test_a_signed_document_off_the_schema_is_not_sent_and_the_element_is_named(
    connection, tree, hr, approver, signer
):
    """A signed document that does not validate against the XSD of its version (here a 1.1
    document with sex 9, signed outside the application) goes dead before it is sent."""
    from lxml import etree

    from profiles import document
    from signing.xmlsig import sign_document

    (version,) = _sign(tree, hr, approver, signer, n=1)
    signature = ProfileSignature.objects.get(version=version)
    root = etree.fromstring(document.render_profile_document(version))
    root.find(f"{{{document.NAMESPACE}}}Nhom1/{{{document.NAMESPACE}}}sex").text = "9"
    bad = sign_document(etree.tostring(root, xml_declaration=True, encoding="UTF-8"), signer)
    ProfileSignature.objects.filter(pk=signature.pk).update(signed_document=bad)
    _drain()
    item = SyncItem.objects.get()
    assert item.status == SyncStatus.DEAD
    assert item.last_error_code == "xsd_invalid"
    assert "HoSo/Nhom1/sex (giới tính)" in item.last_error_message
    assert ReceivedProfile.objects.count() == 0


def test_rate_limited_batches_wait_without_spending_attempts(national, tree, hr, approver, signer):
    from syncing.connections import create_connection

    issued = national.issue_key("H40", rate_limit_per_minute=1)
    conn = create_connection(
        unit=tree["H40"],
        destination="national",
        software_name="HRM",
        base_url=national.url,
        key_id=issued.key.key_id,
        secret=issued.secret,
    )
    _sign(tree, hr, approver, signer, n=2)
    config = SenderConfig(**{**FAST.__dict__, "batch_size": 1})
    first = run_once(config)
    second = run_once(config)
    assert first.synced + second.synced == 1
    waiting = SyncItem.objects.exclude(status=SyncStatus.SYNCED).get()
    assert waiting.status == SyncStatus.PENDING
    assert waiting.attempts == 0
    assert waiting.last_error_code == "rate_limited"
    assert waiting.next_attempt_at > timezone.now()
    assert conn.pk


def test_the_sender_only_sends_inside_the_schedule_and_reports_it(
    connection, tree, hr, approver, signer
):
    from syncing.connections import report_schedule
    from syncing.emulator.models import ScheduleReport

    today = timezone.localdate()
    SyncWindow.objects.create(
        connection=connection,
        label="Đợt chính thức",
        starts_on=today + timedelta(days=3),
        ends_on=today + timedelta(days=12),
    )
    SyncWindow.objects.create(
        connection=connection,
        label="Liên tục",
        mode="continuous",
        starts_on=today + timedelta(days=13),
    )
    _sign(tree, hr, approver, signer, n=2)
    assert run_once(FAST).claimed == 0
    report_schedule(connection)
    report = ScheduleReport.objects.get(agency_code="H40")
    assert len(report.windows) == 2
    assert report.windows[0]["start"] == (today + timedelta(days=3)).isoformat()
    assert [w["mode"] for w in report.windows] == ["official", "continuous"]
    connection.refresh_from_db()
    assert connection.schedule_reported_at is not None
    SyncWindow.objects.filter(label="Đợt chính thức").update(starts_on=date(2020, 1, 1))
    assert _drain().synced == 2


def test_a_batch_costs_a_constant_number_of_queries_plus_one_read_per_profile(
    connection, tree, hr, approver, signer
):
    """Claim, verify, record the verification, mark synced (items, versions, profiles): the
    queries do not grow with the batch, except the signature each verification reads."""
    from django.db import connection as db
    from django.test.utils import CaptureQueriesContext

    _sign(tree, hr, approver, signer, n=8)
    counts = []
    for size in (2, 6):
        config = SenderConfig(**{**FAST.__dict__, "batch_size": size})
        with CaptureQueriesContext(db) as queries:
            stats = run_once(config)
        assert stats.synced == size
        counts.append(len(queries))
    assert counts[1] - counts[0] <= 4, counts
    assert Profile.objects.filter(status=ProfileStatus.SYNCED).count() == 8
    assert set(SyncItem.objects.values_list("status", flat=True)) == {SyncStatus.SYNCED}


def test_a_worker_keeps_one_http_client_between_batches(connection, tree, hr, approver, signer):
    from syncing.sender import AdapterPool, default_adapter

    _sign(tree, hr, approver, signer, n=6)
    made = []

    def factory(conn):
        made.append(default_adapter(conn, FAST))
        return made[-1]

    config = SenderConfig(**{**FAST.__dict__, "batch_size": 2})
    stats = run(max_seconds=20, idle_seconds=0.3, poll=0.02, config=config, adapter_factory=factory)
    assert (stats.synced, stats.batches) == (6, 3)
    assert len(made) == 1
    assert made[0].client._http.is_closed  # closed when the worker stops
    # a rotated key gets a new client, and the old one is closed
    pool = AdapterPool(factory)
    first = pool.get(connection)
    assert pool.get(connection) is first
    connection.key_id = "khoa-moi"
    second = pool.get(connection)
    assert second is not first and first.client._http.is_closed
    pool.close()
    assert second.client._http.is_closed


# -- verification before sending: made again only when it may have changed ----------------------

NO_BREAKER = SenderConfig(**{**FAST.__dict__, "breaker_threshold": 100, "max_attempts": 10})


def _first_attempt_fails(national, tree, hr, approver, signer, n=2):
    """Sign ``n`` profiles and make one attempt the emulator refuses (503, nothing stored):
    the signatures are verified and the items wait for a retry. Returns the stored
    verifications, by signature id."""
    _sign(tree, hr, approver, signer, n=n)
    national.set_faults(error_rate=1.0, seed=3)
    stats = run_once(NO_BREAKER)
    assert (stats.claimed, stats.synced, stats.failed) == (n, 0, n)
    national.set_faults()
    return {s.pk: (s.last_verified_at, s.last_verification) for s in ProfileSignature.objects.all()}


def test_a_retried_item_is_sent_without_verifying_its_signature_again(
    connection, national, tree, hr, approver, signer
):
    from signing.trust import TrustStore

    first = _first_attempt_fails(national, tree, hr, approver, signer)
    assert all(at is not None for at, _ in first.values())
    revision = TrustStore.from_database().revision
    assert {v["trust_revision"] for _, v in first.values()} == {revision}
    assert all(v["xsd_valid"] is True for _, v in first.values())
    stats = _drain(NO_BREAKER)
    assert stats.synced == 2
    assert (stats.verifications, stats.verifications_reused) == (0, 2)
    # the stored verifications are the first attempt's, untouched
    assert {
        s.pk: (s.last_verified_at, s.last_verification) for s in ProfileSignature.objects.all()
    } == first
    assert ReceivedProfile.objects.count() == 2


def test_a_trust_store_change_makes_the_sender_verify_again(
    connection,
    national,
    tree,
    hr,
    approver,
    signer,
    other_ca,  # noqa: F811 - fixture
):
    from cryptography.hazmat.primitives.serialization import Encoding

    from signing.credentials import add_trusted_certificate

    first = _first_attempt_fails(national, tree, hr, approver, signer)
    # an unrelated CA trusted in between: nothing about these signatures changed, but what
    # is trusted did, so every one is checked again (and still sent)
    add_trusted_certificate(other_ca.root_cert.public_bytes(Encoding.PEM), label="CA khác")
    stats = _drain(NO_BREAKER)
    assert stats.synced == 2
    assert stats.verifications == 2
    for signature in ProfileSignature.objects.all():
        before_at, before = first[signature.pk]
        assert signature.last_verified_at > before_at
        assert signature.last_verification["trust_revision"] != before["trust_revision"]
        assert signature.last_verification_ok


def _revoke_signer_now(test_ca, rsa_cred) -> None:
    """Our trust store loads a new CRL of the test CA revoking the signer's certificate."""
    from cryptography.hazmat.primitives.serialization import Encoding

    from signing.credentials import add_revocation_list
    from signing.testca import make_crl

    now = timezone.now()
    crl = make_crl(
        test_ca.intermediate_cert,
        test_ca.intermediate_key,
        [(rsa_cred.certificate, now - timedelta(minutes=1))],
        this_update=now - timedelta(minutes=1),
        next_update=now + timedelta(days=7),
    )
    add_revocation_list(crl.public_bytes(Encoding.PEM), label="CRL mới: khóa ký bị lộ")


def test_a_certificate_revoked_after_the_first_attempt_is_caught_before_the_retry(
    connection, national, tree, hr, approver, signer, test_ca, rsa_cred
):
    _first_attempt_fails(national, tree, hr, approver, signer)
    _revoke_signer_now(test_ca, rsa_cred)
    _drain(NO_BREAKER)
    items = SyncItem.objects.all()
    assert {i.status for i in items} == {SyncStatus.DEAD}
    assert {i.last_error_code for i in items} == {"signature_invalid"}
    assert all("thu hồi" in i.last_error_message for i in items)
    assert not any(s.last_verification_ok for s in ProfileSignature.objects.all())
    assert ReceivedProfile.objects.count() == 0


# -- the server's mark: a signature made here is not verified in full again ---------------------


def test_signatures_made_here_are_sent_on_their_mark_and_older_rows_verified_in_full(
    connection, tree, hr, approver, signer
):
    versions = _sign(tree, hr, approver, signer, n=3)
    # a row signed before marks existed
    ProfileSignature.objects.filter(version=versions[0]).update(signing_mark="")
    stats = _drain()
    assert stats.synced == 3 and ReceivedProfile.objects.count() == 3
    assert (stats.verifications, stats.verifications_by_mark) == (3, 2)
    by_mark = {s.version_id: s.last_verification["by_mark"] for s in ProfileSignature.objects.all()}
    assert by_mark == {versions[0].pk: False, versions[1].pk: True, versions[2].pk: True}
    assert all(s.last_verification_ok for s in ProfileSignature.objects.all())
    assert all(s.last_verification["xsd_valid"] for s in ProfileSignature.objects.all())


def test_changed_bytes_under_a_mark_are_verified_in_full_and_not_sent(
    connection, tree, hr, approver, signer
):
    versions = _sign(tree, hr, approver, signer, n=2)
    signature = ProfileSignature.objects.get(version=versions[0])
    doc = bytes(signature.signed_document)
    name = versions[0].profile.full_name.encode()
    signature.signed_document = doc.replace(name, "Kẻ Giả Danh".encode(), 1)
    signature.save()  # its mark is the one made for the signed bytes
    stats = _drain()
    assert (stats.synced, stats.dead, stats.verifications_by_mark) == (1, 1, 1)
    item = SyncItem.objects.get(version=versions[0])
    assert (item.status, item.last_error_code) == (SyncStatus.DEAD, "signature_invalid")
    assert "thay đổi sau khi ký" in item.last_error_message
    assert ReceivedProfile.objects.count() == 1


def test_a_certificate_revoked_after_signing_is_refused_despite_the_mark(
    connection, tree, hr, approver, signer, test_ca, rsa_cred
):
    _sign(tree, hr, approver, signer, n=2)
    _revoke_signer_now(test_ca, rsa_cred)
    stats = _drain(NO_BREAKER)
    assert stats.verifications_by_mark == 2  # the marks hold: only the certificate is checked
    items = SyncItem.objects.all()
    assert {i.status for i in items} == {SyncStatus.DEAD}
    assert {i.last_error_code for i in items} == {"signature_invalid"}
    assert all("thu hồi" in i.last_error_message for i in items)
    assert ReceivedProfile.objects.count() == 0
