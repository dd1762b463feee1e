"""The synthetic population registry and the daily reconciliation ("đối khớp") job.

:func:`seed_population` builds the population database from a list of people (the demo's
profiles) with deliberate mismatches at configurable ratios: a misspelt name, another date of
birth, the other sex, a personal ID the registry does not have, a deceased person. A seeded RNG
makes it reproducible.

:func:`reconcile` compares the latest received version of every profile with the registry and
keeps one :class:`ReconciliationResult` per (agency, person, field): ``since`` is the first day
the mismatch was seen, ``resolved_on`` the day it disappeared.
"""

from __future__ import annotations

import base64
import binascii
import random
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone
from lxml import etree

from profiles import document

from .models import (
    ConnectionKey,
    PopulationRecord,
    ReceivedProfile,
    ReconciliationResult,
    ReconciliationRun,
)
from .routers import NATIONAL_DB
from .services import RequestInvalid, _limit, _parse_since

DEFAULT_RATIOS: dict[str, float] = {
    "spelling": 0.03,
    "date_of_birth": 0.02,
    "sex": 0.01,
    "not_found": 0.01,
    "deceased": 0.005,
}


@dataclass(frozen=True)
class Person:
    personal_id: str
    full_name: str
    date_of_birth: date
    sex: str


# Tone marks moved or dropped, a letter swapped: the kind of spelling differences the
# population database really returns.
_SPELLING_SWAPS = [
    ("Hòa", "Hoà"), ("Thúy", "Thuý"), ("Thủy", "Thuỷ"), ("Huy", "Huy"), ("ư", "u"),
    ("ơ", "o"), ("ă", "a"), ("Đ", "D"), ("ê", "e"), ("ô", "o"), ("ị", "i"), ("ễ", "ê"),
]  # fmt: skip


def misspell(name: str, rng: random.Random) -> str:
    candidates = [(a, b) for a, b in _SPELLING_SWAPS if a in name and a != b]
    if candidates:
        a, b = rng.choice(candidates)
        return name.replace(a, b, 1)
    words = name.split()
    last = words[-1]
    words[-1] = last[:-1] + ("h" if last[-1] != "h" else "n")
    return " ".join(words)


def _other_date(d: date, rng: random.Random) -> date:
    if d.day <= 12 and d.day != d.month:
        return d.replace(day=d.month, month=d.day)  # day and month swapped
    return d + timedelta(days=rng.choice([-1, 1, 365, -365]))


def _other_sex(sex: str) -> str:
    return {"1": "2", "2": "1"}.get(sex, "1")


def seed_population(
    people: Iterable[Person],
    *,
    ratios: Mapping[str, float] | None = None,
    seed: int = 2025,
) -> dict[str, int]:
    """Replace the registry entries of ``people``; return the count per variant."""
    ratios = {**DEFAULT_RATIOS, **(ratios or {})}
    if sum(ratios.values()) > 1:
        raise ValueError("Tổng các tỉ lệ sai lệch phải ≤ 1.")
    rng = random.Random(seed)
    counts: dict[str, int] = {}
    records: list[PopulationRecord] = []
    ids: list[str] = []
    for person in sorted(people, key=lambda p: p.personal_id):
        draw = rng.random()
        variant, acc = "exact", 0.0
        for name in ("spelling", "date_of_birth", "sex", "not_found", "deceased"):
            acc += ratios.get(name, 0.0)
            if draw < acc:
                variant = name
                break
        counts[variant] = counts.get(variant, 0) + 1
        ids.append(person.personal_id)
        if variant == "not_found":
            continue
        record = PopulationRecord(
            personal_id=person.personal_id,
            full_name=person.full_name,
            date_of_birth=person.date_of_birth,
            sex=person.sex,
            variant=variant,
        )
        if variant == "spelling":
            record.full_name = misspell(person.full_name, rng)
        elif variant == "date_of_birth":
            record.date_of_birth = _other_date(person.date_of_birth, rng)
        elif variant == "sex":
            record.sex = _other_sex(person.sex)
        elif variant == "deceased":
            record.deceased_on = date(2025, 1, 1) + timedelta(days=rng.randrange(300))
        records.append(record)
    with transaction.atomic(using=NATIONAL_DB):
        for start in range(0, len(ids), 500):
            PopulationRecord.objects.filter(personal_id__in=ids[start : start + 500]).delete()
        PopulationRecord.objects.bulk_create(records, batch_size=500)
    return counts


def people_from_profiles(queryset: Any) -> list[Person]:
    """The people of our app's profiles (a ``profiles.Profile`` queryset)."""
    return [
        Person(p, n, d, s)
        for p, n, d, s in queryset.values_list("personal_id", "full_name", "date_of_birth", "sex")
    ]


# -- reconciliation -----------------------------------------------------------------------------


def document_person(data: bytes) -> Person:
    root = etree.fromstring(data, parser=etree.XMLParser(resolve_entities=False))
    # the namespace of the document's own schema version (1.1, or 1.0 signed before)
    namespace = etree.QName(root).namespace
    ns = {"hs": namespace if document.version_of_namespace(namespace) else document.NAMESPACE}
    group = root.find("hs:Nhom1", ns)

    def text(name: str) -> str:
        return (
            group.findtext(f"hs:{name}", default="", namespaces=ns) if group is not None else ""
        ) or ""

    born = text("date_of_birth")
    return Person(
        personal_id=root.get("soDinhDanh", ""),
        full_name=text("full_name"),
        date_of_birth=date.fromisoformat(born) if born else date.min,
        sex=text("sex"),
    )


def _compare(ours: Person, record: PopulationRecord | None) -> list[tuple[str, str, str, str]]:
    """(field, kind, our value, population value) for each disagreement."""
    if record is None:
        return [("personal_id", "not_found", ours.personal_id, "")]
    out = []
    if record.deceased_on is not None:
        out.append(("deceased_on", "deceased", "", record.deceased_on.isoformat()))
    if record.full_name != ours.full_name:
        out.append(("full_name", "spelling", ours.full_name, record.full_name))
    if record.date_of_birth != ours.date_of_birth:
        out.append(
            (
                "date_of_birth",
                "date_of_birth",
                ours.date_of_birth.isoformat(),
                record.date_of_birth.isoformat(),
            )
        )
    if record.sex != ours.sex:
        out.append(("sex", "sex", ours.sex, record.sex))
    return out


def _chunked(pks: list[int], size: int = 500) -> Iterable[ReceivedProfile]:
    for start in range(0, len(pks), size):
        yield from ReceivedProfile.objects.filter(pk__in=pks[start : start + size]).order_by("pk")


def reconcile(on: date | None = None) -> ReconciliationRun:
    """Compare the latest received version of every person with the population registry."""
    on = on or timezone.localdate()
    now = timezone.now()
    run, _ = ReconciliationRun.objects.update_or_create(
        run_on=on, defaults={"started_at": now, "finished_at": None}
    )
    # the latest received version per (agency, person); documents fetched in chunks later
    latest: dict[tuple[str, str], int] = {}
    received = ReceivedProfile.objects.order_by("received_at", "pk")
    for pk, agency, pid in received.values_list("pk", "agency_code", "personal_id").iterator():
        latest[(agency, pid)] = pk
    ids = sorted({pid for _, pid in latest})
    registry: dict[str, PopulationRecord] = {}
    for start in range(0, len(ids), 500):
        for r in PopulationRecord.objects.filter(personal_id__in=ids[start : start + 500]):
            registry[r.personal_id] = r
    open_rows = {
        (r.agency_code, r.personal_id, r.field): r for r in ReconciliationResult.objects.all()
    }
    mismatches = 0
    seen: set[tuple[str, str, str]] = set()
    with transaction.atomic(using=NATIONAL_DB):
        for rec in _chunked(sorted(latest.values())):
            agency, pid = rec.agency_code, rec.personal_id
            ours = document_person(bytes(rec.document))
            for field, kind, our_value, pop_value in _compare(ours, registry.get(pid)):
                mismatches += 1
                k = (agency, pid, field)
                seen.add(k)
                row = open_rows.get(k)
                values = {
                    "version_hash": rec.version_hash, "unit_code": rec.unit_code, "kind": kind,
                    "our_value": our_value[:255], "population_value": pop_value[:255],
                }  # fmt: skip
                if row is None:
                    ReconciliationResult.objects.create(
                        agency_code=agency,
                        personal_id=pid,
                        field=field,
                        since=on,
                        last_checked_on=on,
                        updated_at=now,
                        **values,
                    )
                    continue
                changed = any(getattr(row, a) != v for a, v in values.items()) or row.resolved_on
                for a, v in values.items():
                    setattr(row, a, v)
                if row.resolved_on is not None:  # came back: a new mismatch from today
                    row.since, row.resolved_on = on, None
                row.last_checked_on = on
                if changed:
                    row.updated_at = now
                row.save()
        for k, row in open_rows.items():
            if k not in seen and row.resolved_on is None:
                row.resolved_on, row.last_checked_on, row.updated_at = on, on, now
                row.save()
    run.checked = len(latest)
    run.mismatches = mismatches
    run.finished_at = timezone.now()
    run.save()
    return run


def result_json(row: ReconciliationResult) -> dict[str, Any]:
    return {
        "id": row.pk,
        "personal_id": row.personal_id,
        "version_hash": row.version_hash,
        "unit_code": row.unit_code,
        "field": row.field,
        "kind": row.kind,
        "our_value": row.our_value,
        "population_value": row.population_value,
        "since": row.since.isoformat(),
        "last_checked_on": row.last_checked_on.isoformat(),
        "status": "resolved" if row.resolved_on else "open",
        "resolved_on": row.resolved_on.isoformat() if row.resolved_on else None,
        "updated_at": row.updated_at.isoformat(),
    }


def _decode_cursor(value: str | None) -> tuple[datetime, int] | None:
    if not value:
        return None
    try:
        text = base64.urlsafe_b64decode(value.encode() + b"==").decode()
        stamp, pk = text.rsplit("|", 1)
        return datetime.fromisoformat(stamp), int(pk)
    except (ValueError, binascii.Error) as exc:
        raise RequestInvalid("request_invalid", "“cursor” không hợp lệ.") from exc


def _encode_cursor(row: ReconciliationResult) -> str:
    raw = f"{row.updated_at.isoformat()}|{row.pk}".encode()
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


def results_page(key: ConnectionKey, params: Mapping[str, str]) -> dict[str, Any]:
    """Results of the key's agency changed at/after ``since``, in (updated_at, id) order."""
    from django.db.models import Q

    qs = ReconciliationResult.objects.filter(agency_code=key.agency_code)
    since = _parse_since(params.get("since"))
    if since is not None:
        qs = qs.filter(updated_at__gte=since)
    cursor = _decode_cursor(params.get("cursor"))
    if cursor is not None:
        stamp, pk = cursor
        qs = qs.filter(Q(updated_at__gt=stamp) | Q(updated_at=stamp, pk__gt=pk))
    limit = _limit(params.get("limit"))
    rows = list(qs.order_by("updated_at", "pk")[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    last_run = ReconciliationRun.objects.order_by("-run_on").first()
    return {
        "agency_code": key.agency_code,
        "last_run_on": last_run.run_on.isoformat() if last_run else None,
        "items": [result_json(r) for r in rows],
        "next_cursor": _encode_cursor(rows[-1]) if more and rows else None,
    }


def schedule_daily(hour: int = 6) -> Any:
    """Register the daily reconciliation as a django-q2 schedule (idempotent)."""
    from django_q.models import Schedule

    next_run = timezone.localtime().replace(hour=hour, minute=0, second=0, microsecond=0)
    if next_run <= timezone.localtime():
        next_run += timedelta(days=1)
    schedule, _ = Schedule.objects.update_or_create(
        name="Đối khớp hằng ngày (CSDL quốc gia mô phỏng)",
        defaults={
            "func": "syncing.emulator.reconciliation.reconcile",
            "schedule_type": Schedule.DAILY,
            "next_run": next_run,
            "repeats": -1,
        },
    )
    return schedule
