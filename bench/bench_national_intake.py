#!/usr/bin/env python
"""Benchmark: profile intake by the emulator of the national side, over loopback HTTP.

Run: ``.venv/bin/python bench/bench_national_intake.py [--profiles 2000] [--batch 100]``

A fresh emulator database (SQLite in a temporary directory, or ``NATIONAL_DATABASE_URL``) and
the emulator's threaded HTTP server in this process. ``--profiles`` signed canonical documents
(RSA-2048, test CA; every required field of the XSD filled) are sent with
:class:`syncing.client.NationalClient` in batches: every request is HMAC-signed and checked,
every document is XSD-validated, its XAdES signature verified against the trust store, and
stored once. Printed: profiles/s for first delivery and for a full re-delivery (all
"already received"), and, measured in the same run, the floor: XSD validation + signature
verification of the same documents in-process (no HTTP, no database); then the ratio.
The issue's aim for end-to-end sync is >= 200 profiles/s.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbccvc.settings")
os.environ.setdefault("CBCCVC_VAR_DIR", tempfile.mkdtemp(prefix="bench-national-"))

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from lxml import etree  # noqa: E402

from profiles import document  # noqa: E402
from signing.keys import KeyFileSigner  # noqa: E402
from signing.testca import make_test_ca  # noqa: E402
from signing.xmlsig import sign_document, verify_document  # noqa: E402
from syncing.client import NationalClient, ProfileItem  # noqa: E402

_VALUES = {
    "xs:string": "Nguyễn Văn Bình",
    "xs:date": "1985-03-12",
    "xs:decimal": "3.66",
    "xs:integer": 1,
    "xs:boolean": False,
    "xs:dateTime": "2025-07-01T08:00:00+07:00",
}
# values the strict schema (1.1) wants in particular fields: (table or "", snapshot key)
_SPECIAL = {
    "old_id_number": "025085012",
    "email": "binh@example.gov.vn",
    "unit_id": 1,  # rendered as the unit's identifier code (UNITS)
    "year": 2024,
    "birth_year": 1960,
}
UNITS = {1: "H25"}


def _value(table: str, spec: document.FieldSpec, codes: dict, lists: dict) -> object:
    from profiles.document_schema import _FIELD_TYPES

    if spec.key in _SPECIAL:
        return _SPECIAL[spec.key]
    list_key = codes.get((table, spec.name))
    if list_key:
        return next(iter(lists[list_key]["codes"]))
    named = _FIELD_TYPES.get((table, spec.name))
    if named in {"MaTinh", "MaXa"}:
        return "25" if named == "MaTinh" else "07900"
    field = spec.model_field
    if field is not None and field.choices:
        return field.flatchoices[0][0]
    value = _VALUES[spec.xsd_type]
    if isinstance(value, str) and getattr(field, "max_length", None):
        return value[: field.max_length]
    return value


def synthetic_snapshot(personal_id: str) -> dict:
    """Every field filled with a value the strict schema accepts."""
    from profiles.document_schema import code_lists, coded_fields

    codes, lists = coded_fields(), code_lists()
    profile = {f.key: _value("", f, codes, lists) for g in document.groups() for f in g.fields}
    profile["personal_id"] = personal_id
    data = {"profile": profile}
    for g in document.groups():
        for table in g.tables:
            data[table.key] = [{f.key: _value(table.key, f, codes, lists) for f in table.fields}]
    return data


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profiles", type=int, default=2000)
    parser.add_argument("--batch", type=int, default=100)
    parser.add_argument("--clients", type=int, default=1, help="concurrent senders")
    args = parser.parse_args()
    logging.getLogger("httpx").setLevel(logging.WARNING)

    call_command("migrate", database="national", verbosity=0)
    from cryptography.hazmat.primitives.serialization import Encoding

    from syncing.emulator.keys import issue_key
    from syncing.emulator.models import NationalUnit
    from syncing.emulator.server import EmulatorThread
    from syncing.emulator.services import add_trust

    ca = make_test_ca([("ky", "Người Ký")], with_ecdsa=False)
    add_trust(ca.root_cert.public_bytes(Encoding.PEM), "bench root")
    add_trust(ca.crl.public_bytes(Encoding.PEM), "bench crl")
    NationalUnit.objects.get_or_create(
        code="H25", defaults={"name": "UBND tỉnh Phú Thọ", "agency_code": "H25",
                              "source": NationalUnit.Source.NATIONAL},
    )  # fmt: skip
    issued = issue_key(
        agency_code="H25", software_name="bench", admin_name="Bench", activate=True,
        rate_limit_per_minute=1_000_000,
    )  # fmt: skip
    cred = ca.credentials[0]
    signer = KeyFileSigner.from_pkcs12(cred.pkcs12, cred.pin)

    print(f"Preparing {args.profiles} signed documents …", flush=True)
    items = []
    for i in range(args.profiles):
        pid = f"025085{i:06d}"
        data = synthetic_snapshot(pid)
        digest = f"{i:064x}"
        xml = document.render_snapshot(
            data, personal_id=pid, number=1, content_hash=digest, include_assets=False,
            units=UNITS,
        )  # fmt: skip
        items.append(ProfileItem(pid, digest, "H25", sign_document(xml, signer)))
    size = sum(len(i.document) for i in items) / len(items)

    # floor: the same checks in-process
    schema = document.schema()
    store = ca.trust_store()
    start = time.perf_counter()
    for item in items:
        assert schema.validate(etree.fromstring(item.document))
        assert verify_document(item.document, store).ok
    floor = len(items) / (time.perf_counter() - start)

    server = EmulatorThread()
    server.start()
    try:
        from concurrent.futures import ThreadPoolExecutor

        clients = [
            NationalClient(server.url, issued.key.key_id, issued.secret, timeout=120)
            for _ in range(args.clients)
        ]
        batches = [items[k : k + args.batch] for k in range(0, len(items), args.batch)]

        def send(n: int) -> list[str]:
            client = clients[n % len(clients)]
            return [r.status for r in client.submit_profiles(batches[n])]

        rates = []
        for label in ("first delivery", "re-delivery (already received)"):
            start = time.perf_counter()
            with ThreadPoolExecutor(max_workers=args.clients) as pool:
                statuses = [s for part in pool.map(send, range(len(batches))) for s in part]
            elapsed = time.perf_counter() - start
            expected = "accepted" if not rates else "already_received"
            assert statuses == [expected] * len(items), set(statuses)
            rates.append(len(items) / elapsed)
            print(f"{label:<34} {rates[-1]:8.0f} profiles/s ({elapsed:.1f} s)")
        for client in clients:
            client.close()
    finally:
        server.stop()
    print(f"{'floor: XSD + verify in-process':<34} {floor:8.0f} profiles/s")
    print(f"document size                      {size / 1024:8.1f} KiB")
    print(f"ratio intake / floor               {rates[0] / floor:8.2f}")
    print(f"aim >= 200 profiles/s: {'met' if rates[0] >= 200 else 'NOT met'}")
    print(f"clients {args.clients}, batch {args.batch}, load average {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
