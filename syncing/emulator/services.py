"""What the national side does with each request: org tree, profile intake (XSD, signature,
idempotency), status, schedule; kept apart from the HTTP views."""

from __future__ import annotations

import base64
import binascii
import re
import threading
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from cryptography import x509
from cryptography.hazmat.primitives.serialization import Encoding
from django.db import IntegrityError, transaction
from django.db.models import Count, Max
from django.utils import timezone
from lxml import etree

from orgtree.text import clean
from profiles.document_schema import validation_errors

from .. import contract
from .models import ConnectionKey, NationalUnit, ReceivedProfile, ScheduleReport, TrustAnchor
from .routers import NATIONAL_DB
from .xmlsec_verify import Trust, verify

_DER = Encoding.DER
PERSONAL_ID = re.compile(r"^\d{12}$")
HASH = re.compile(r"^[0-9a-f]{64}$")


class RequestInvalid(Exception):
    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(code)
        self.code = code
        self.detail = detail


# -- trust store and schema (cached) -------------------------------------------------------------

_trust_lock = threading.Lock()
_trust_cache: dict[str, Any] = {"key": None, "store": None}
_local = threading.local()


def trust_store() -> Trust:
    """The emulator's trust store (its own anchors and CRLs; the signatures are checked by
    :mod:`.xmlsec_verify`, independently of our signing engine), rebuilt when they change."""
    # Keyed by content, not only by row: ids come back after a rollback or a flush (tests, a
    # re-created emulator database), and a cache keyed by (pk, kind) then kept another CA.
    rows = TrustAnchor.objects.filter(active=True).order_by("pk")
    key = tuple(rows.values_list("pk", "kind", "fingerprint"))
    with _trust_lock:
        if _trust_cache["key"] != key:
            anchors, crls = [], []
            for anchor in TrustAnchor.objects.filter(active=True).order_by("pk"):
                data = anchor.pem.encode()
                if anchor.kind == TrustAnchor.Kind.CRL:
                    crls.append(x509.load_pem_x509_crl(data))
                else:
                    anchors.append(x509.load_pem_x509_certificate(data))
            _trust_cache.update(key=key, store=Trust(anchors=anchors, crls=crls))
        return _trust_cache["store"]


def add_trust(pem: bytes, label: str) -> TrustAnchor:
    """Trust a CA certificate or load a CRL (PEM); idempotent by fingerprint."""
    import hashlib

    text = pem.decode("ascii").strip()
    if "X509 CRL" in text:
        crl = x509.load_pem_x509_crl(pem)
        kind, fp = TrustAnchor.Kind.CRL, hashlib.sha256(crl.public_bytes(_DER)).hexdigest()
    else:
        cert = x509.load_pem_x509_certificate(pem)
        kind, fp = TrustAnchor.Kind.CERTIFICATE, hashlib.sha256(cert.public_bytes(_DER)).hexdigest()
    anchor, _ = TrustAnchor.objects.update_or_create(
        fingerprint=fp,
        defaults={"label": clean(label)[:200], "kind": kind, "pem": text, "active": True},
    )
    return anchor


# -- org tree -----------------------------------------------------------------------------------


def agency_units(key: ConnectionKey):
    return NationalUnit.objects.filter(agency_code=key.agency_code)


def unit_json(unit: NationalUnit, parent_code: str | None) -> dict[str, Any]:
    return {
        "code": unit.code,
        "name": unit.name,
        "short_name": unit.short_name,
        "kind": unit.kind,
        "parent_code": parent_code,
        "status": unit.status,
        "source": unit.source,
        "updated_at": unit.updated_at.isoformat(),
    }


def _parse_since(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError as exc:
        raise RequestInvalid(
            "request_invalid", f"“since” không phải thời điểm ISO 8601: {value}"
        ) from exc
    if timezone.is_naive(parsed):
        parsed = timezone.make_aware(parsed)
    return parsed


def _limit(value: str | None) -> int:
    if not value:
        return contract.DEFAULT_PAGE
    try:
        limit = int(value)
    except ValueError as exc:
        raise RequestInvalid("request_invalid", "“limit” phải là số nguyên.") from exc
    if not 1 <= limit <= contract.MAX_PAGE:
        raise RequestInvalid("request_invalid", f"“limit” từ 1 đến {contract.MAX_PAGE}.")
    return limit


def _cursor(value: str | None) -> int:
    if not value:
        return 0
    try:
        return int(base64.urlsafe_b64decode(value.encode() + b"==").decode())
    except (ValueError, binascii.Error) as exc:
        raise RequestInvalid("request_invalid", "“cursor” không hợp lệ.") from exc


def _make_cursor(last_id: int) -> str:
    return base64.urlsafe_b64encode(str(last_id).encode()).decode().rstrip("=")


def pull_units(key: ConnectionKey, params: Mapping[str, str]) -> dict[str, Any]:
    """A page of the agency's national units, in id order (parents before children)."""
    since = _parse_since(params.get("since"))
    limit = _limit(params.get("limit"))
    after = _cursor(params.get("cursor"))
    qs = agency_units(key).filter(pk__gt=after).select_related("parent").order_by("pk")
    if since is not None:
        qs = qs.filter(updated_at__gte=since)
    rows = list(qs[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    return {
        "agency_code": key.agency_code,
        "items": [unit_json(u, u.parent.code if u.parent else None) for u in rows],
        "next_cursor": _make_cursor(rows[-1].pk) if more else None,
    }


def push_units(key: ConnectionKey, body: Any) -> dict[str, Any]:
    """Create or update the agency's units from the pushed list; a result per unit."""
    units = body.get("units") if isinstance(body, dict) else None
    if not isinstance(units, list):
        raise RequestInvalid("request_invalid", "Thiếu danh sách “units”.")
    if len(units) > contract.MAX_UNITS_PUSH:
        raise RequestInvalid("request_invalid", f"Tối đa {contract.MAX_UNITS_PUSH} đơn vị một lần.")
    results = []
    with transaction.atomic(using=NATIONAL_DB):
        known = {u.code: u for u in agency_units(key)}
        for index, raw in enumerate(units):
            results.append(_push_one(key, index, raw, known))
    return {"results": results}


def _push_one(key: ConnectionKey, index: int, raw: Any, known: dict[str, NationalUnit]):
    code = clean(str(raw.get("code", ""))).strip() if isinstance(raw, dict) else ""
    name = clean(str(raw.get("name", ""))).strip() if isinstance(raw, dict) else ""
    parent_code = (raw.get("parent_code") or "") if isinstance(raw, dict) else ""
    base = {"index": index, "code": code}
    if not code or not name:
        return {**base, "status": "rejected", "code_error": "unit_invalid",
                "message": contract.message_for("unit_invalid") + " (thiếu mã, tên)"}  # fmt: skip
    parent = known.get(parent_code) if parent_code else None
    if code != key.agency_code and parent is None:
        return {**base, "status": "rejected", "code_error": "unit_invalid",
                "message": f"Đơn vị cấp trên “{parent_code}” không thuộc cây của cơ quan "
                f"{key.agency_code}."}  # fmt: skip
    if code not in known and NationalUnit.objects.filter(code=code).exists():
        return {**base, "status": "rejected", "code_error": "unit_invalid",
                "message": f"Mã “{code}” đã thuộc cơ quan khác."}  # fmt: skip
    fields = {
        "name": name,
        "short_name": clean(str(raw.get("short_name", "")))[:120],
        "kind": str(raw.get("kind", ""))[:30],
    }
    unit = known.get(code)
    if unit is None:
        unit = NationalUnit.objects.create(
            code=code,
            parent=parent,
            agency_code=key.agency_code,
            source=NationalUnit.Source.PUSHED,
            **fields,
        )
        known[code] = unit
        return {**base, "status": "created"}
    changed = {k: v for k, v in fields.items() if getattr(unit, k) != v}
    if parent is not None and unit.parent_id != parent.pk:
        changed["parent"] = parent
    if not changed:
        return {**base, "status": "unchanged"}
    for attr, value in changed.items():
        setattr(unit, attr, value)
    unit.save()
    return {**base, "status": "updated"}


# -- profiles -----------------------------------------------------------------------------------


@dataclass
class Checked:
    index: int
    personal_id: str
    version_hash: str
    unit_code: str
    document: bytes | None = None
    version_number: int | None = None
    signer_name: str = ""
    code: str = ""
    message: str = ""
    problems: list[dict[str, Any]] | None = None

    @property
    def ok(self) -> bool:
        return not self.code

    def reject(self, code: str, detail: str = "", problems: list | None = None) -> Checked:
        self.code = code
        self.message = contract.message_for(code) + (f" {detail}" if detail else "")
        self.problems = problems or []
        return self

    def result(self, status: str, **extra: Any) -> dict[str, Any]:
        out: dict[str, Any] = {
            "index": self.index,
            "personal_id": self.personal_id,
            "version_hash": self.version_hash,
            "status": status,
        }
        if self.code:
            out.update(code=self.code, message=self.message, problems=self.problems or [])
        out.update(extra)
        return out


def _items(body: Any) -> list[Any]:
    items = body.get("items") if isinstance(body, dict) else None
    if not isinstance(items, list):
        raise RequestInvalid("request_invalid", "Thiếu danh sách “items”.")
    return items


def _parser() -> etree.XMLParser:
    parser = getattr(_local, "parser", None)  # one per server thread, as the schema
    if parser is None:
        parser = _local.parser = etree.XMLParser(resolve_entities=False, no_network=True)
    return parser


def check_item(
    key: ConnectionKey,
    index: int,
    raw: Any,
    units: set[str],
    store: Trust | None = None,
) -> Checked:
    """Every check of one item except idempotency; never raises. ``store``: the trust store
    read once for the whole batch (by default read here)."""
    if not isinstance(raw, dict):
        return Checked(index, "", "", "").reject("request_invalid", "Mục phải là đối tượng JSON.")
    item = Checked(
        index,
        str(raw.get("personal_id", "")),
        str(raw.get("version_hash", "")).lower(),
        str(raw.get("unit_code", "")),
    )
    if not PERSONAL_ID.match(item.personal_id):
        return item.reject("personal_id_invalid")
    if not HASH.match(item.version_hash):
        return item.reject("request_invalid", "“version_hash” phải là SHA-256 dạng hex.")
    try:
        data = base64.b64decode(str(raw.get("document", "")), validate=True)
        root = etree.fromstring(data, parser=_parser())
    except (binascii.Error, ValueError, etree.XMLSyntaxError) as exc:
        return item.reject("document_malformed", str(exc)[:200])
    # the XSD of the document's own version (its root namespace: 1.1, or 1.0 signed before);
    # each message names the element
    errors = validation_errors(root)[:10]
    if errors:
        return item.reject(
            "xsd_invalid",
            errors[0] if errors else "",
            [{"code": "xsd_invalid", "message": e} for e in errors],
        )
    verification = verify(data, store or trust_store(), parsed=root)  # no second parse
    if not verification.ok:
        problems = verification.errors
        return item.reject(
            "signature_invalid", "; ".join(p["message"] for p in problems)[:500], problems
        )
    if root.get("soDinhDanh") != item.personal_id or root.get("maBam") != item.version_hash:
        return item.reject("document_mismatch")
    if item.unit_code not in units:
        return item.reject("unit_unknown", f"(“{item.unit_code[:60]}”)")
    item.document = data
    item.version_number = int(root.get("phienBan") or 0) or None
    item.signer_name = verification.signer_name[:255]
    return item


def _check_all(key: ConnectionKey, raw_items: Sequence[Any]) -> list[Checked]:
    units = set(
        agency_units(key).filter(status=NationalUnit.Status.ACTIVE).values_list("code", flat=True)
    )
    store = trust_store()
    return [check_item(key, i, raw, units, store) for i, raw in enumerate(raw_items)]


def _key_of(raw: Mapping[str, Any]) -> str:
    return contract.idempotency_key(
        str(raw.get("personal_id", "")), str(raw.get("version_hash", "")).lower()
    )


def submit_profiles(key: ConnectionKey, body: Any) -> dict[str, Any]:
    """Receive a batch: check every item, store the new versions exactly once."""
    raw_items = _items(body)
    if not raw_items:
        raise RequestInvalid("request_invalid", "Lô hồ sơ rỗng.")
    if len(raw_items) > contract.MAX_BATCH:
        raise RequestInvalid("batch_too_large", f"Lô có {len(raw_items)} hồ sơ.")
    batch_id = uuid.uuid4().hex
    # idempotency first: a version already held answers "already received" at once
    wanted = {_key_of(r) for r in raw_items if isinstance(r, dict)}
    held = {
        row["idempotency_key"]: row
        for row in ReceivedProfile.objects.filter(idempotency_key__in=wanted).values(
            "idempotency_key", "batch_id", "received_at"
        )
    }
    results: list[dict[str, Any] | None] = [None] * len(raw_items)
    to_check: list[tuple[int, Any]] = []
    for index, raw in enumerate(raw_items):
        k = _key_of(raw) if isinstance(raw, dict) else ""
        if k in held:
            results[index] = _already(index, raw, held[k])
        else:
            to_check.append((index, raw))
    units = set(
        agency_units(key).filter(status=NationalUnit.Status.ACTIVE).values_list("code", flat=True)
    )
    store = trust_store() if to_check else None  # one read of the trust anchors per batch
    checked = [check_item(key, index, raw, units, store) for index, raw in to_check]
    for item in checked:
        if not item.ok:
            results[item.index] = item.result(contract.ITEM_REJECTED)
    _store(key, [c for c in checked if c.ok], batch_id, results)
    return {"batch_id": batch_id, "results": results}


def _already(index: int, raw: Any, row: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "index": index,
        "personal_id": str(raw.get("personal_id", "")),
        "version_hash": str(raw.get("version_hash", "")).lower(),
        "status": contract.ITEM_ALREADY_RECEIVED,
        "receipt_id": row["batch_id"],
        "received_at": row["received_at"].isoformat(),
        "message": "Phiên bản hồ sơ này đã được nhận trước đó; không tạo bản ghi mới.",
    }


def _store(key: ConnectionKey, items: list[Checked], batch_id: str, results: list) -> None:
    now = timezone.now()
    seen: dict[str, Checked] = {}
    fresh: list[Checked] = []
    for item in items:
        k = contract.idempotency_key(item.personal_id, item.version_hash)
        if k in seen:  # the same version twice in one batch: one record
            results[item.index] = _already(
                item.index, item.__dict__, {"batch_id": batch_id, "received_at": now}
            )
        else:
            seen[k] = item
            fresh.append(item)

    def record(item: Checked) -> ReceivedProfile:
        return ReceivedProfile(
            idempotency_key=contract.idempotency_key(item.personal_id, item.version_hash),
            personal_id=item.personal_id,
            version_hash=item.version_hash,
            version_number=item.version_number,
            agency_code=key.agency_code,
            unit_code=item.unit_code,
            key_id=key.key_id,
            batch_id=batch_id,
            document=item.document,
            signer_name=item.signer_name,
            received_at=now,
        )

    try:
        with transaction.atomic(using=NATIONAL_DB):
            ReceivedProfile.objects.bulk_create([record(i) for i in fresh])
        for item in fresh:
            results[item.index] = item.result(
                contract.ITEM_ACCEPTED, receipt_id=batch_id, received_at=now.isoformat()
            )
        return
    except IntegrityError:
        pass  # a concurrent delivery stored some of them: one by one
    for item in fresh:
        try:
            with transaction.atomic(using=NATIONAL_DB):
                record(item).save(force_insert=True, using=NATIONAL_DB)
        except IntegrityError:
            row = (
                ReceivedProfile.objects.filter(
                    idempotency_key=contract.idempotency_key(item.personal_id, item.version_hash)
                )
                .values("batch_id", "received_at")
                .first()
            )
            results[item.index] = _already(item.index, item.__dict__, row)
        else:
            results[item.index] = item.result(
                contract.ITEM_ACCEPTED, receipt_id=batch_id, received_at=now.isoformat()
            )


def test_sync(key: ConnectionKey, body: Any) -> dict[str, Any]:
    """M51: validate 1–10 profiles and answer in full; nothing is stored."""
    raw_items = _items(body)
    if not contract.M51_MIN <= len(raw_items) <= contract.M51_MAX:
        raise RequestInvalid("m51_item_count", f"Đã gửi {len(raw_items)} hồ sơ.")
    checked = _check_all(key, raw_items)
    results = []
    for item in checked:
        extra: dict[str, Any] = {}
        if item.ok:
            held = ReceivedProfile.objects.filter(
                idempotency_key=contract.idempotency_key(item.personal_id, item.version_hash)
            ).exists()
            extra = {
                "message": "Hồ sơ hợp lệ: lược đồ XSD và chữ ký số đúng (không lưu chính thức).",
                "already_received": held,
                "signer_name": item.signer_name,
                "version_number": item.version_number,
            }
        results.append(
            item.result(contract.ITEM_VALID if item.ok else contract.ITEM_INVALID, **extra)
        )
    return {
        "mode": "m51",
        "stored": False,
        "checked_at": timezone.now().isoformat(),
        "summary": {
            "total": len(results),
            "valid": sum(1 for r in results if r["status"] == contract.ITEM_VALID),
            "invalid": sum(1 for r in results if r["status"] == contract.ITEM_INVALID),
        },
        "results": results,
    }


def profile_status(key: ConnectionKey, body: Any) -> dict[str, Any]:
    raw_items = _items(body)
    if len(raw_items) > contract.MAX_STATUS_LOOKUP:
        raise RequestInvalid("request_invalid", f"Tối đa {contract.MAX_STATUS_LOOKUP} mục.")
    keys = [
        (str(r.get("personal_id", "")), str(r.get("version_hash", "")).lower())
        for r in raw_items if isinstance(r, dict)
    ]  # fmt: skip
    held = {
        row["idempotency_key"]: row
        for row in ReceivedProfile.objects.filter(
            agency_code=key.agency_code,
            idempotency_key__in=[contract.idempotency_key(p, h) for p, h in keys],
        ).values("idempotency_key", "batch_id", "received_at")
    }
    out = []
    for p, h in keys:
        row = held.get(contract.idempotency_key(p, h))
        out.append(
            {
                "personal_id": p,
                "version_hash": h,
                "received": row is not None,
                "receipt_id": row["batch_id"] if row else None,
                "received_at": row["received_at"].isoformat() if row else None,
            }
        )
    return {"items": out}


def sync_status(key: ConnectionKey) -> dict[str, Any]:
    received = ReceivedProfile.objects.filter(agency_code=key.agency_code)
    totals = received.aggregate(
        versions=Count("pk"), people=Count("personal_id", distinct=True), last=Max("received_at")
    )
    schedule = ScheduleReport.objects.filter(agency_code=key.agency_code).first()
    return {
        "agency_code": key.agency_code,
        "key": key_json(key),
        "profiles_received": totals["people"],
        "versions_received": totals["versions"],
        "last_received_at": totals["last"].isoformat() if totals["last"] else None,
        "units": agency_units(key).count(),
        "schedule_reported_at": schedule.reported_at.isoformat() if schedule else None,
    }


def key_json(key: ConnectionKey) -> dict[str, Any]:
    return {
        "key_id": key.key_id,
        "agency_code": key.agency_code,
        "agency_name": key.agency_name,
        "software_name": key.software_name,
        "status": key.status,
        "admin_name": key.admin_name,
        "activated_at": key.activated_at.isoformat() if key.activated_at else None,
        "rate_limit_per_minute": key.rate_limit_per_minute,
    }


# -- schedule -----------------------------------------------------------------------------------

SCHEDULE_MODES = {"official", "continuous", "test"}


def report_schedule(key: ConnectionKey, body: Any) -> dict[str, Any]:
    windows = body.get("windows") if isinstance(body, dict) else None
    if not isinstance(windows, list) or not windows:
        raise RequestInvalid("request_invalid", "Thiếu “windows” (ít nhất một đợt đồng bộ).")
    clean_windows = []
    for index, window in enumerate(windows, start=1):
        if not isinstance(window, dict):
            raise RequestInvalid("request_invalid", f"Đợt {index} phải là đối tượng JSON.")
        mode = window.get("mode")
        if mode not in SCHEDULE_MODES:
            raise RequestInvalid(
                "request_invalid",
                f"Đợt {index}: “mode” phải là một trong {sorted(SCHEDULE_MODES)}.",
            )
        try:
            start = datetime.fromisoformat(str(window.get("start"))).date().isoformat()
            end = window.get("end")
            end = datetime.fromisoformat(str(end)).date().isoformat() if end else None
        except ValueError as exc:
            raise RequestInvalid("request_invalid", f"Đợt {index}: ngày không hợp lệ.") from exc
        if end and end < start:
            raise RequestInvalid(
                "request_invalid", f"Đợt {index}: ngày kết thúc trước ngày bắt đầu."
            )
        clean_windows.append(
            {"start": start, "end": end, "mode": mode, "note": clean(str(window.get("note", "")))}
        )
    report, _ = ScheduleReport.objects.update_or_create(
        agency_code=key.agency_code,
        defaults={
            "key_id": key.key_id,
            "windows": clean_windows,
            "note": clean(str(body.get("note", ""))),
            "reported_at": timezone.now(),
        },
    )
    return schedule_json(report)


def schedule_json(report: ScheduleReport | None) -> dict[str, Any]:
    if report is None:
        return {"windows": [], "note": "", "reported_at": None}
    return {
        "agency_code": report.agency_code,
        "windows": report.windows,
        "note": report.note,
        "reported_at": report.reported_at.isoformat(),
    }


def schedule_of(key: ConnectionKey) -> dict[str, Any]:
    return schedule_json(ScheduleReport.objects.filter(agency_code=key.agency_code).first())
