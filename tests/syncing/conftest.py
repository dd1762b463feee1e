"""Fixtures of the sync tests: the emulator of the national side served over real HTTP.

``national_server`` starts the emulator (its own URLconf and database alias ``national``) on a
free port in a background thread. Tests that use it need both databases and committed data::

    pytestmark = NATIONAL_DB

Helpers on the fixture: ``issue_key(...)`` (an active key by default), ``client(issued)``
(a :class:`~syncing.client.NationalClient`), ``set_faults(**plan)``, ``trust(ca)``,
``add_units(agency_code, *codes)``.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from django.db import transaction

from signing.testca import TestCA, make_test_ca
from syncing.client import NationalClient, ProfileItem

NATIONAL_DB = pytest.mark.django_db(transaction=True, databases=["default", "national"])
AGENCY = "H25"


@dataclass(frozen=True)
class SignedProfile:
    personal_id: str
    version_hash: str
    full_name: str
    date_of_birth: str
    sex: str
    document: bytes  # signed canonical XML

    def item(self, unit_code: str = AGENCY) -> ProfileItem:
        return ProfileItem(self.personal_id, self.version_hash, unit_code, self.document)


@pytest.fixture(scope="session")
def national_ca() -> TestCA:
    """The test CA the emulator trusts (``national_server.trust(national_ca)``)."""
    return make_test_ca([("ky", "Lê Văn Duyệt")], with_ecdsa=False)


@pytest.fixture(scope="session")
def signed_profiles(django_db_setup, django_db_blocker, national_ca) -> list[SignedProfile]:
    """Twelve real generated people, rendered as canonical documents and signed with the
    test CA. Built inside a rolled-back transaction: nothing stays in the test database."""
    from datetime import date

    from orgtree.models import Unit
    from profiles import document
    from profiles.codelists import clear_cache, load_codelists
    from profiles.models import Profile
    from profiles.services import content_hash, snapshot
    from profiles.synthetic import generate_people
    from signing.keys import KeyFileSigner
    from signing.xmlsig import sign_document

    cred = national_ca.credentials[0]
    signer = KeyFileSigner.from_pkcs12(cred.pkcs12, cred.pin)
    out: list[SignedProfile] = []
    with django_db_blocker.unblock(), transaction.atomic():
        load_codelists()
        clear_cache()
        unit = Unit.objects.create(
            name="UBND tỉnh Phú Thọ (thử)",
            code="SYNC-TEST",
            kind=Unit.Kind.PROVINCE_PC,
            valid_from=date(2020, 1, 1),
        )
        generate_people(unit, 12, seed=606)
        for profile in Profile.objects.filter(unit=unit).order_by("pk"):
            data = snapshot(profile)
            digest = content_hash(data)
            xml = document.render_snapshot(
                data,
                personal_id=profile.personal_id,
                number=1,
                content_hash=digest,
                include_assets=False,
            )
            out.append(
                SignedProfile(
                    profile.personal_id,
                    digest,
                    profile.full_name,
                    profile.date_of_birth.isoformat(),
                    profile.sex,
                    sign_document(xml, signer),
                )
            )
        transaction.set_rollback(True)
    clear_cache()
    return out


class NationalServer:
    def __init__(self, thread: Any) -> None:
        self.thread = thread
        self.url = thread.url
        self._clients: list[NationalClient] = []

    def issue_key(self, agency: str = AGENCY, *, activate: bool = True, **kw: Any) -> Any:
        from syncing.emulator.keys import issue_key

        kw.setdefault("software_name", "Phần mềm QLCB thử nghiệm")
        kw.setdefault("admin_name", "Nguyễn Văn Quản")
        kw.setdefault("admin_phone", "0912000111")
        return issue_key(agency_code=agency, activate=activate, **kw)

    def client(self, issued: Any, *, timeout: float = 10.0) -> NationalClient:
        client = NationalClient(self.url, issued.key.key_id, issued.secret, timeout=timeout)
        self._clients.append(client)
        return client

    def set_faults(self, **plan: Any) -> Any:
        from syncing.emulator.faults import FaultPlan
        from syncing.emulator.state import state

        state.faults = FaultPlan.from_dict(plan)
        return state.faults

    def trust(self, ca: TestCA) -> None:
        from cryptography.hazmat.primitives.serialization import Encoding

        from syncing.emulator.services import add_trust

        add_trust(ca.root_cert.public_bytes(Encoding.PEM), "CA gốc THỬ NGHIỆM")
        add_trust(ca.crl.public_bytes(Encoding.PEM), "CRL CA trung gian THỬ NGHIỆM")

    def add_units(self, agency: str = AGENCY, *codes: str) -> None:
        from syncing.emulator.models import NationalUnit

        root, _ = NationalUnit.objects.get_or_create(
            code=agency,
            defaults={
                "name": f"UBND {agency}",
                "kind": "province_pc",
                "agency_code": agency,
                "source": NationalUnit.Source.NATIONAL,
            },
        )
        for code in codes:
            NationalUnit.objects.get_or_create(
                code=code,
                defaults={
                    "name": f"Đơn vị {code}",
                    "parent": root,
                    "agency_code": agency,
                    "source": NationalUnit.Source.NATIONAL,
                },
            )

    def close(self) -> None:
        for client in self._clients:
            client.close()


@contextmanager
def running_emulator(**thread_kwargs: Any) -> Iterator[NationalServer]:
    """The emulator on a free port in a thread (``EmulatorThread(**thread_kwargs)``, e.g.
    ``tls=``), with no faults and a fresh rate limiter; stopped at the end."""
    from syncing.emulator.server import EmulatorThread
    from syncing.emulator.state import state

    state.reset()
    thread = EmulatorThread(**thread_kwargs)
    thread.start()
    server = NationalServer(thread)
    try:
        yield server
    finally:
        server.close()
        thread.stop()
        state.reset()


@pytest.fixture
def national_server(transactional_db, request) -> Iterator[NationalServer]:
    """The emulator on a free port in a thread, with no faults and a fresh rate limiter."""
    marker = request.node.get_closest_marker("django_db")
    databases = (marker.kwargs.get("databases") if marker else None) or []
    if "national" not in databases:
        pytest.fail("national_server needs @pytest.mark.django_db(databases=[..., 'national'])")
    with running_emulator() as server:
        yield server


# -- the queue (syncing.sender) ----------------------------------------------------------------
# Signed profiles of the profiles tests' small tree (H40), our trust store and the emulator's
# trusting the same test CA, and agency H40's connection with a key the emulator issued.

from tests.profiles.conftest import approver, hr, tree, user_with  # noqa: E402, F401
from tests.signing.conftest import rsa_cred, rsa_signer, test_ca  # noqa: E402, F401

from .helpers import AGENCY as QUEUE_AGENCY  # noqa: E402
from .helpers import UNITS as QUEUE_UNITS  # noqa: E402
from .helpers import trust_test_ca  # noqa: E402


@pytest.fixture
def codelists(db):
    """The code lists, (re)loaded: a transactional test starts from empty tables."""
    from profiles.codelists import clear_cache, load_codelists

    load_codelists()
    clear_cache()
    yield
    clear_cache()


@pytest.fixture
def signer(test_ca, rsa_signer, codelists):  # noqa: F811 - imported fixtures
    trust_test_ca(test_ca)
    return rsa_signer


@pytest.fixture
def national(national_server, test_ca):  # noqa: F811
    """The emulator, trusting our test CA and knowing agency H40's units."""
    national_server.trust(test_ca)
    national_server.add_units(QUEUE_AGENCY, *QUEUE_UNITS)
    return national_server


@pytest.fixture
def connection(national, tree):  # noqa: F811
    """Agency H40's connection to the national database, with a key the emulator issued."""
    from syncing.connections import create_connection
    from syncing.models import Destination

    issued = national.issue_key(QUEUE_AGENCY)
    conn = create_connection(
        unit=tree[QUEUE_AGENCY],
        destination=Destination.NATIONAL,
        software_name="Phần mềm QLCB thử nghiệm",
        base_url=national.url,
        key_id=issued.key.key_id,
        secret=issued.secret,
        admin_name="Nguyễn Văn Quản",
        admin_phone="0912000111",
        admin_email="quan@example.gov.vn",
    )
    conn.issued = issued
    return conn
