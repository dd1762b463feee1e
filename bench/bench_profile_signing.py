#!/usr/bin/env python
"""Benchmark: sign and verify a *real* rendered profile document with RSA-2048.

Run: ``.venv/bin/python bench/bench_profile_signing.py [--seconds 5] [--cpu N] [--cpu-time]``

Sets up its own throw-away test database (SQLite in memory unless DATABASE_URL says otherwise),
loads the code lists and reference data, generates synthetic people and takes the one whose
history is closest to 20 rows, adds military service and health rows, and renders its version
with :func:`profiles.document.render_profile_document`. Then, in one thread, it measures per
second:

* rendering the canonical document from the snapshot;
* the XSD validation ``sign_version`` runs before signing (schema 1.1, the document's own
  version picked by its namespace);
* what signing a version costs: render + validate (``render_valid_parts``: the tree and the
  canonical text it was parsed from) + sign the tree (``sign_built_tree``, the template
  signer, digesting that text as it is), as ``sign_version`` does; the same from the
  document's bytes (``sign_document``: serialise + parse, as a batch does), and through
  signxml's signer (``sign_document_with_signxml``, the reference) for comparison;
* what verifying a version costs: ``verify_document`` (digests, signature, chain to the trusted
  test CA, CRL) + re-rendering the snapshot and comparing it group by group with the signed
  content (the pure part of :func:`~profiles.signatures.versions.verify_version`; the
  database writes are left out);
* signed-and-verified profiles (both of the above);
* the floor, measured in the same run: the raw ``cryptography`` RSA-2048 PKCS#1 v1.5 SHA-256
  signature + verification of the same canonical bytes; and the ratio;
* where the time of one signed-and-verified profile goes: the same loop timed step by step
  (render, XSD validation, signing, verifying, comparing with the snapshot), in microseconds
  per profile, beside the floor's RSA time.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbccvc.settings")

import django  # noqa: E402

django.setup()

from bench_signing import rate  # noqa: E402
from cryptography.hazmat.primitives import hashes  # noqa: E402
from cryptography.hazmat.primitives.asymmetric import padding  # noqa: E402
from django.db import connection  # noqa: E402
from lxml import etree  # noqa: E402


def generated_version(count: int = 40):
    """A ProfileVersion (not saved) of the generated person closest to 20 history rows."""
    from datetime import date

    from orgtree.models import Unit
    from orgtree.refdata import load_reference_data
    from profiles.codelists import load_codelists
    from profiles.models import CHILD_MODELS, HealthRecord, MilitaryService, Profile, ProfileVersion
    from profiles.services import content_hash, snapshot
    from profiles.synthetic import generate_people

    load_codelists()
    load_reference_data()
    root = Unit.objects.create(
        name="UBND tỉnh Phú Thọ",
        code="H25",
        kind=Unit.Kind.PROVINCE_PC,
        valid_from=date(2025, 7, 1),
    )
    for i in range(5):
        Unit.objects.create(
            name=f"Sở số {i + 1}", code=f"H25.{i + 1:02d}", parent=root, valid_from=date(2025, 7, 1)
        )
    generate_people(root, count, seed=7)

    def rows(p: Profile) -> int:
        return sum(m.objects.filter(profile=p).count() for m in CHILD_MODELS.values())

    person = min(Profile.objects.all(), key=lambda p: abs(rows(p) + 2 - 20))
    MilitaryService.objects.create(
        profile=person, enlisted_on=date(2003, 2, 1), discharged_on=date(2005, 2, 1),
        highest_rank="Thượng sĩ", branch="Bộ binh",
    )  # fmt: skip
    HealthRecord.objects.get_or_create(
        profile=person, recorded_on=date(2025, 3, 1),
        defaults={"status": "Tốt", "height_cm": 165, "weight_kg": 58, "blood_type": "O"},
    )  # fmt: skip
    data = snapshot(Profile.objects.get(pk=person.pk))
    return ProfileVersion(
        profile=person, number=1, status="approved", snapshot=data, content_hash=content_hash(data)
    )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--seconds", type=float, default=5.0, help="time per measurement")
    parser.add_argument("--cpu", type=int, help="pin to this CPU (default: unpinned)")
    parser.add_argument(
        "--cpu-time",
        action="store_true",
        help="count per second of this process's CPU time (shared, loaded machine)",
    )
    args = parser.parse_args()
    clock = time.process_time if args.cpu_time else time.perf_counter
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})

    from profiles import document
    from profiles.signatures.versions import (
        _compare_with_snapshot,
        render_valid_document,
        render_valid_parts,
    )
    from signing.keys import KeyFileSigner
    from signing.testca import make_test_ca
    from signing.xmlsig import (
        sign_built_tree,
        sign_document,
        sign_document_with_signxml,
        verify_document,
    )

    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0)
    version = generated_version()
    ca = make_test_ca([("bench", "Người đo hiệu năng")], with_ecdsa=False)
    store = ca.trust_store()
    cred = ca.credentials[0]
    signer = KeyFileSigner.from_pkcs12(cred.pkcs12, cred.pin)

    doc = document.render_profile_document(version)
    assert document.validate_document(doc) == []
    root = etree.fromstring(doc)
    leaves = [el for el in root.iter() if len(el) == 0 and el.getparent() is not None]
    profile_fields = len(root.find(f"{{{document.NAMESPACE}}}Nhom1")) + len(
        [el for el in root.find(f"{{{document.NAMESPACE}}}Nhom6") if len(el) == 0]
    )
    rows = len(root.findall(f".//{{{document.NAMESPACE}}}{document.ROW}"))
    c14n = etree.tostring(root, method="c14n", exclusive=True)
    print(
        f"document: {len(doc)} bytes; {profile_fields} profile fields, {rows} history rows, "
        f"{len(leaves)} leaf elements; exclusive C14N {len(c14n)} bytes"
    )
    unit = "CPU seconds (process time)" if args.cpu_time else "s"
    print(f"one thread, {args.seconds:.0f} {unit} per measurement in 5 windows; RSA-2048")
    print(f"load average at start: {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs\n")

    signed = sign_document(doc, signer)

    def valid_document() -> bytes:
        return render_valid_document(version, include_assets=False)

    def sign_version_pure() -> bytes:
        # as sign_version does: the validated tree signed as it is (no serialise + parse),
        # its canonical text digested as it was written
        root, canonical = render_valid_parts(version, include_assets=False)
        return sign_built_tree(root, signer, canonical=canonical)

    def sign_version_bytes() -> bytes:
        # as before, and as a batch still does: the document's bytes parsed and signed
        return sign_document(valid_document(), signer)

    def sign_version_signxml() -> bytes:
        return sign_document_with_signxml(valid_document(), signer)

    def verify_version_pure(signed: bytes = signed) -> None:
        result = verify_document(signed, store)
        _changed, problems = _compare_with_snapshot(
            version, result.signed_content, result.signed_root
        )
        if not result.ok or problems:
            raise SystemExit(f"verification failed: {result.codes} {problems}")

    verify_version_pure()

    def both() -> None:
        verify_version_pure(sign_version_pure())

    key = signer.signing_key
    public = signer.certificate.public_key()

    def floor() -> None:
        sig = key.sign(c14n, padding.PKCS1v15(), hashes.SHA256())
        public.verify(sig, c14n, padding.PKCS1v15(), hashes.SHA256())

    def split(seconds: float) -> dict[str, float]:
        # the steps of both(), each timed (render_valid_parts is version_tree_and_c14n + the
        # XSD check)
        from profiles.document_schema import schema_for

        xsd = schema_for(document.SCHEMA_VERSION)
        steps = dict.fromkeys(("render", "validate (XSD)", "sign", "verify", "compare"), 0.0)
        count, deadline = 0, clock() + seconds
        while clock() < deadline:
            t0 = clock()
            root, canonical = document.version_tree_and_c14n(version, include_assets=False)
            t1 = clock()
            assert xsd.validate(root)
            t2 = clock()
            signed = sign_built_tree(root, signer, canonical=canonical)
            t3 = clock()
            result = verify_document(signed, store)
            t4 = clock()
            _changed, problems = _compare_with_snapshot(
                version, result.signed_content, result.signed_root
            )
            t5 = clock()
            assert result.ok and not problems
            spent = (t1 - t0, t2 - t1, t3 - t2, t4 - t3, t5 - t4)
            for name, seconds_spent in zip(steps, spent, strict=True):
                steps[name] += seconds_spent
            count += 1
        return {name: spent / count * 1e6 for name, spent in steps.items()}

    render = rate(lambda: document.render_profile_document(version), args.seconds, clock=clock)
    validate = rate(lambda: document.validate_document(doc), args.seconds, clock=clock)
    sign_only = rate(sign_version_pure, args.seconds, clock=clock)
    sign_bytes = rate(sign_version_bytes, args.seconds, clock=clock)
    sign_signxml = rate(sign_version_signxml, args.seconds, clock=clock)
    verify_only = rate(verify_version_pure, args.seconds, clock=clock)
    full = rate(both, args.seconds, clock=clock)
    raw = rate(floor, args.seconds, clock=clock)
    steps = split(args.seconds)
    print("                                         best window   median")
    for label, (best, median) in (
        ("render document", render),
        ("validate document (XSD)", validate),
        ("render + validate + sign", sign_only),
        ("  the same, signing the bytes (parse)", sign_bytes),
        ("render + validate + sign with signxml", sign_signxml),
        ("verify + compare with snapshot", verify_only),
        ("signed-and-verified profiles", full),
        ("raw cryptography RSA sign+verify", raw),
    ):
        print(f"  {label:38} {best:8.0f} /s  {median:8.0f} /s")
    ratio = "ratio profiles / raw (floor)"
    print(f"  {ratio:38} {full[0] / raw[0]:8.2f}     {full[1] / raw[1]:8.2f}")
    verdict = "met" if full[0] >= 300 else "NOT met"
    print(f"  aim ≥ 300 signed-and-verified profiles/s (best window): {verdict}")
    verdict = "met" if full[1] / raw[1] >= 0.33 else "NOT met"
    print(f"  aim ≥ 0.33 of the floor (median window): {verdict}")
    total = sum(steps.values())
    print("  one signed-and-verified profile, step by step (µs per profile):")
    print("    " + ", ".join(f"{name} {spent:.0f}" for name, spent in steps.items()))
    print(f"    total {total:.0f}; the floor's RSA sign + verify {1e6 / raw[1]:.0f} (median)")
    print(f"load average at end: {os.getloadavg()[0]:.2f}")
    connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
