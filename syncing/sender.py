"""The sender: claim due queue items, verify, deliver through the destination adapter, record.

**Claiming.** Items are claimed per connection in batches: ``pending``/``failed`` items whose
``next_attempt_at`` has come, and ``sending`` items whose lease has expired (their worker died
mid-batch). On PostgreSQL the candidates are locked with ``SELECT … FOR UPDATE SKIP LOCKED``;
on every database the claim itself is a conditional ``UPDATE`` stamped with a fresh claim
token, so two workers never hold the same item, and an item is never lost: a worker killed
after claiming leaves it in ``sending`` until the lease runs out, then another worker
re-sends it. The national side is idempotent on ``<personal ID>:<version hash>`` and answers a
repeat with ``already_received``, which counts as a confirmation: exactly one national record.

**Before sending** each version's signature is verified again
(:func:`profiles.signatures.versions.verify_version`) unless its stored verification
still holds (same trust store revision, same bytes, not older than the version): a version
whose signature or content no longer verifies is not sent (dead letter with the reason). A
signature made here carries the server's mark (an HMAC under a key derived from the master
key, see :func:`profiles.signatures.versions.signing_mark`): while it holds, only what can
change after signing is checked again — the certificate's validity, chain and revocation now,
the snapshot against its hash — not the signature's own cryptography, verified when it was
made; any other signature (an older row, changed bytes) is verified in full.

**Outcomes.** ``accepted``/``already_received`` for the same version hash → synced (and, for
the national destination, :func:`profiles.workflow.mark_versions_synced`, for the whole
batch at once); ``rejected`` → dead letter
(the national side will refuse it again); a transport failure → retry with exponential backoff
and jitter; after ``max_attempts`` → dead letter, requeued from the admin.
:class:`~syncing.client.KeyRevoked` marks the connection revoked and stops every call for it;
:class:`~syncing.client.RateLimited` waits ``retry_after`` without counting an attempt.

**Circuit breaker** (per connection): after ``breaker_threshold`` consecutive unavailability
errors the circuit opens for ``breaker_cooldown`` seconds (no calls); then one probe batch of a
single item is let through (half-open): success closes the circuit, failure re-opens it.

**Schedule.** A connection with sync windows only sends on days inside a window.
"""

from __future__ import annotations

import logging
import random
import time
import uuid
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import connection as db_connection
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from profiles.models import ProfileSignature
from profiles.workflow import mark_versions_synced

from .client import (
    AuthFailed,
    ContractError,
    ItemResult,
    KeyRevoked,
    NationalError,
    NationalUnavailable,
    RateLimited,
)
from .models import Connection, ConnectionStatus, Destination, SyncItem, SyncStatus

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class SenderConfig:
    batch_size: int = 50
    lease_seconds: float = 120.0
    max_attempts: int = 8
    backoff_base: float = 30.0  # seconds; attempt n waits base·2^(n-1), jittered ±50 %
    backoff_cap: float = 6 * 3600.0
    breaker_threshold: int = 5
    breaker_cooldown: float = 60.0
    timeout: float = 30.0

    @classmethod
    def from_settings(cls, **overrides: Any) -> SenderConfig:
        values = dict(getattr(settings, "CBCCVC_SYNC", {}) or {})
        values.update(overrides)
        return cls(**{k: v for k, v in values.items() if k in cls.__dataclass_fields__})


def backoff_delay(attempts: int, config: SenderConfig, rng: random.Random | None = None) -> float:
    """Exponential backoff with jitter: ``base·2^(attempts-1)`` capped, times U(0.5, 1.5)."""
    rng = rng or random
    raw = min(config.backoff_cap, config.backoff_base * 2 ** max(0, attempts - 1))
    return raw * rng.uniform(0.5, 1.5)


# -- which connections may send now ---------------------------------------------------------


def in_window(conn: Connection, today: Any = None) -> bool:
    """No windows: always. Otherwise only on a day inside one of them."""
    today = today or timezone.localdate()
    windows = list(conn.windows.all())
    if not windows:
        return True
    return any(w.starts_on <= today and (w.ends_on is None or today <= w.ends_on) for w in windows)


def circuit_state(conn: Connection, config: SenderConfig, now: datetime) -> str:
    """``closed`` | ``open`` | ``half_open``."""
    if conn.consecutive_failures < config.breaker_threshold:
        return "closed"
    if conn.circuit_open_until and now < conn.circuit_open_until:
        return "open"
    return "half_open"


# -- claiming --------------------------------------------------------------------------------


def _claimable_q(now: datetime) -> Q:
    return Q(status__in=[SyncStatus.PENDING, SyncStatus.FAILED], next_attempt_at__lte=now) | Q(
        status=SyncStatus.SENDING, lease_until__lt=now
    )


def claim(conn: Connection, limit: int, config: SenderConfig) -> list[SyncItem]:
    """Claim up to ``limit`` due items of ``conn`` for this worker (see the module doc)."""
    now = timezone.now()
    token = uuid.uuid4().hex
    with transaction.atomic():
        candidates = SyncItem.objects.filter(_claimable_q(now), connection=conn).order_by(
            "next_attempt_at", "pk"
        )
        if db_connection.features.has_select_for_update_skip_locked:
            candidates = candidates.select_for_update(skip_locked=True)
        ids = list(candidates.values_list("pk", flat=True)[:limit])
        if not ids:
            return []
        # The condition is checked again by the UPDATE itself: safe without row locks too.
        SyncItem.objects.filter(_claimable_q(now), pk__in=ids).update(
            status=SyncStatus.SENDING,
            lease_until=now + timedelta(seconds=config.lease_seconds),
            claim_token=token,
            attempts=F("attempts") + 1,
        )
    return list(
        SyncItem.objects.filter(claim_token=token, status=SyncStatus.SENDING)
        .select_related("version__profile__unit", "connection")
        .order_by("pk")
    )


# -- results -----------------------------------------------------------------------------------


@dataclass
class RunStats:
    claimed: int = 0
    synced: int = 0
    failed: int = 0
    dead: int = 0
    batches: int = 0
    errors: list[str] = field(default_factory=list)
    verifications: int = 0  # signatures verified before sending
    verifications_reused: int = 0  # stored verifications that still held (not made again)
    # of ``verifications``: the signature made here (its server's mark intact), so only the
    # certificate's validity, chain and revocation were checked
    verifications_by_mark: int = 0

    def add(self, other: RunStats) -> None:
        self.claimed += other.claimed
        self.synced += other.synced
        self.failed += other.failed
        self.dead += other.dead
        self.batches += other.batches
        self.errors += other.errors
        self.verifications += other.verifications
        self.verifications_reused += other.verifications_reused
        self.verifications_by_mark += other.verifications_by_mark


def _mine(item: SyncItem) -> Any:
    """The item, only while this worker still holds its claim."""
    return SyncItem.objects.filter(
        pk=item.pk, claim_token=item.claim_token, status=SyncStatus.SENDING
    )


def _mark_synced(confirmed: Sequence[tuple[SyncItem, ItemResult]]) -> int:
    """Record confirmed items as synced, in a few queries for the whole batch: each item only
    while this worker still holds its claim (the conditional UPDATE), then, for the national
    destination, their versions (:func:`profiles.workflow.mark_versions_synced`). Returns how
    many items this worker marked."""
    if not confirmed:
        return 0
    now = timezone.now()
    groups: dict[tuple[str, str], list[int]] = defaultdict(list)
    for item, result in confirmed:
        groups[(item.claim_token, result.receipt_id[:255])].append(item.pk)
    with transaction.atomic():
        for (token, reference), ids in groups.items():
            SyncItem.objects.filter(
                pk__in=ids, claim_token=token, status=SyncStatus.SENDING
            ).update(
                status=SyncStatus.SYNCED,
                synced_at=now,
                lease_until=None,
                national_reference=reference,
                last_error_code="",
                last_error_message="",
            )
        # The rows just updated: synced under one of our claim tokens at ``now`` (the row
        # locks taken by the UPDATE keep every other worker off them until the commit).
        mine = set(
            SyncItem.objects.filter(
                pk__in=[item.pk for item, _ in confirmed],
                claim_token__in={token for token, _ in groups},
                status=SyncStatus.SYNCED,
                synced_at=now,
            ).values_list("pk", flat=True)
        )
        references = {
            item.version_id: result.receipt_id
            for item, result in confirmed
            if item.pk in mine and item.destination == Destination.NATIONAL
        }
        mark_versions_synced(references)
    return len(mine)


def _mark_retry(
    item: SyncItem,
    code: str,
    message: str,
    config: SenderConfig,
    *,
    delay: float | None = None,
    count_attempt: bool = True,
) -> str:
    """Back to the queue with backoff, or to the dead letter after ``max_attempts``."""
    attempts = item.attempts if count_attempt else max(0, item.attempts - 1)
    if count_attempt and attempts >= config.max_attempts:
        return _mark_dead(item, code, f"{message} (đã gửi {attempts} lần)")
    wait = backoff_delay(attempts, config) if delay is None else delay
    _mine(item).update(
        status=SyncStatus.FAILED if count_attempt else SyncStatus.PENDING,
        attempts=attempts,
        lease_until=None,
        next_attempt_at=timezone.now() + timedelta(seconds=wait),
        last_error_code=code[:60],
        last_error_message=message[:1000],
    )
    return SyncStatus.FAILED


def _mark_dead(item: SyncItem, code: str, message: str) -> str:
    _mine(item).update(
        status=SyncStatus.DEAD,
        lease_until=None,
        last_error_code=code[:60],
        last_error_message=message[:1000],
    )
    return SyncStatus.DEAD


# -- the connection's state -------------------------------------------------------------------


def record_revoked(conn: Connection, exc: NationalError) -> None:
    """The national side says the key is revoked: stop every call for this connection."""
    message = (
        f"Khóa kết nối {conn.key_id} đã bị CSDL quốc gia thu hồi hoặc chưa được kích hoạt "
        f"({exc.code or 'auth_key_revoked'}): đã dừng mọi lần gửi qua kết nối này. "
        "Liên hệ Bộ Nội vụ để kích hoạt khóa của phần mềm đang dùng, rồi cập nhật khóa mới."
    )
    Connection.objects.filter(pk=conn.pk).update(
        status=ConnectionStatus.REVOKED, status_message=message, status_changed_at=timezone.now()
    )
    conn.status = ConnectionStatus.REVOKED
    conn.status_message = message


def _record_unavailable(conn: Connection, config: SenderConfig) -> None:
    Connection.objects.filter(pk=conn.pk).update(consecutive_failures=F("consecutive_failures") + 1)
    conn.refresh_from_db(fields=["consecutive_failures"])
    if conn.consecutive_failures >= config.breaker_threshold:
        until = timezone.now() + timedelta(seconds=config.breaker_cooldown)
        Connection.objects.filter(pk=conn.pk).update(circuit_open_until=until)
        conn.circuit_open_until = until


def _record_success(conn: Connection) -> None:
    Connection.objects.filter(pk=conn.pk).update(
        consecutive_failures=0, circuit_open_until=None, last_sync_at=timezone.now()
    )
    conn.consecutive_failures = 0
    conn.circuit_open_until = None


# -- one batch ---------------------------------------------------------------------------------


AdapterFactory = Callable[[Connection], Any]


def default_adapter(conn: Connection, config: SenderConfig | None = None) -> Any:
    from .destinations import adapter_for

    return adapter_for(conn, timeout=(config or SenderConfig.from_settings()).timeout)


def _verified_items(
    items: Sequence[SyncItem], adapter: Any, stats: RunStats
) -> list[tuple[SyncItem, Any]]:
    """Verify each version's signature (as :func:`~profiles.signatures.versions.
    verify_version` does: trust chain, CRL, signed content against the snapshot); build what
    the adapter sends; a signed document that does not validate against the XSD of its
    schema version is never sent (dead, ``xsd_invalid``, naming the element).

    A signature is verified again only when its stored verification no longer holds
    (:func:`~profiles.signatures.versions.verification_is_current`: it failed, is older
    than the version, was made against another trust store revision — a CA or CRL added or
    removed since —, other signed bytes or snapshot, or the certificate has expired since, or
    the XSD check was not recorded). A retried item whose signature was verified on its first
    attempt is sent without verifying it again; a CRL loaded in between forces the check.
    A signature with the server's mark intact is checked by it (``trust_mark``: the
    certificate now, not the cryptography nor the XSD, both checked when it was signed).

    The CPU work runs outside any transaction; the fresh outcomes are stored as each
    signature's last verification (with what it was made against, and ``xsd_valid``) in one
    short transaction (one bulk UPDATE). Failures → dead."""
    from profiles.signatures.versions import verification_is_current, verify_version
    from signing.trust import TrustStore

    trust = TrustStore.from_database()
    revision = trust.revision
    signatures = {
        s.version_id: s
        for s in ProfileSignature.objects.filter(version_id__in=[i.version_id for i in items])
    }
    started = timezone.now()
    # (item, signature, fresh outcome or None when the stored verification still holds)
    checked: list[tuple[SyncItem, ProfileSignature | None, Any]] = []
    invalid: dict[Any, list[str]] = {}
    for item in items:
        signature = signatures.get(item.version_id)
        if signature is None:
            checked.append((item, None, None))
            continue
        if verification_is_current(
            signature, item.version, trust_revision=revision, now=started, require=["xsd_valid"]
        ):
            checked.append((item, signature, None))
            stats.verifications_reused += 1
            continue
        outcome = verify_version(
            item.version, trust_store=trust, store=False, signature=signature, trust_mark=True
        )
        checked.append((item, signature, outcome))
        stats.verifications += 1
        stats.verifications_by_mark += outcome.by_mark
        # the XSD of the document's own version; each error names the element (a document
        # signed here was validated before it was signed: its mark says so)
        if outcome.ok and not outcome.by_mark:
            invalid[item.pk] = _xsd_errors(outcome, signature)
    now = timezone.now()
    out = []
    verified = []
    with transaction.atomic():
        for item, signature, outcome in checked:
            if signature is None:
                _mark_dead(item, "not_signed", "Phiên bản hồ sơ chưa được ký số: không gửi.")
                stats.dead += 1
                continue
            doc = bytes(signature.signed_document)
            if outcome is None:  # verified before, nothing changed since
                out.append((item, adapter.build_item(item.version, doc)))
                continue
            errors = invalid.get(item.pk)
            signature.last_verified_at = now
            signature.last_verification_ok = outcome.ok
            xsd_valid = outcome.ok and not errors
            signature.last_verification = {**outcome.as_dict(), "xsd_valid": xsd_valid}
            verified.append(signature)
            if not outcome.ok:
                _mark_dead(
                    item,
                    "signature_invalid",
                    "Chữ ký số của phiên bản không còn hợp lệ, không gửi: "
                    + "; ".join(outcome.messages)[:900],
                )
                stats.dead += 1
                continue
            if errors:
                _mark_dead(
                    item,
                    "xsd_invalid",
                    "Tài liệu hồ sơ đã ký không đúng lược đồ XSD, không gửi: "
                    + "; ".join(errors)[:900],
                )
                stats.dead += 1
                continue
            out.append((item, adapter.build_item(item.version, doc)))
        _store_verifications(verified)
    return out


_VERIFICATION_FIELDS = ("last_verified_at", "last_verification_ok", "last_verification")


def _store_verifications(signatures: Sequence[ProfileSignature]) -> None:
    """Store the signatures' fresh verifications: one ``UPDATE`` per row, sent as one batch
    (``executemany``; on PostgreSQL pipelined). What ``bulk_update`` writes, without the
    ``CASE`` expression it builds per row and field, whose construction in Python cost more
    than the verifications themselves (~1 ms a row)."""
    if not signatures:
        return
    meta = ProfileSignature._meta
    quote = db_connection.ops.quote_name
    fields = [meta.get_field(name) for name in _VERIFICATION_FIELDS]
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)  # type: ignore[union-attr]
    table, pk = quote(meta.db_table), quote(meta.pk.column)  # names from the model
    sql = f"UPDATE {table} SET {assignments} WHERE {pk} = %s"
    rows = [
        [f.get_db_prep_save(getattr(s, f.attname), db_connection) for f in fields]  # type: ignore[union-attr]
        + [s.pk]
        for s in signatures
    ]
    with db_connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def _xsd_errors(outcome: Any, signature: ProfileSignature) -> list[str]:
    """The XSD errors of the signed document: of the tree the verification parsed from these
    very bytes when it kept it (``signed_root``, the fast path), else of the bytes parsed
    again (the same messages, line numbers included)."""
    from profiles.document import validate_document
    from profiles.document_schema import validation_errors

    root = outcome.result.signed_root
    if root is not None:
        return validation_errors(root)
    return validate_document(bytes(signature.signed_document))


def send_batch(
    conn: Connection,
    items: Sequence[SyncItem],
    config: SenderConfig,
    adapter: Any,
) -> RunStats:
    stats = RunStats(claimed=len(items), batches=1)
    ready = _verified_items(items, adapter, stats)
    if not ready:
        return stats
    try:
        results = adapter.submit([payload for _, payload in ready])
    except KeyRevoked as exc:
        record_revoked(conn, exc)
        with transaction.atomic():  # one commit for the batch's outcomes
            for item, _ in ready:
                _mark_retry(
                    item,
                    exc.code or "auth_key_revoked",
                    exc.message,
                    config,
                    delay=0,
                    count_attempt=False,
                )
        stats.errors.append(exc.message)
        return stats
    except RateLimited as exc:
        with transaction.atomic():
            for item, _ in ready:
                _mark_retry(
                    item, exc.code, exc.message, config, delay=exc.retry_after, count_attempt=False
                )
        stats.errors.append(exc.message)
        return stats
    except (NationalUnavailable, AuthFailed, ContractError) as exc:
        if isinstance(exc, NationalUnavailable):
            _record_unavailable(conn, config)
        with transaction.atomic():
            for item, _ in ready:
                outcome = _mark_retry(item, exc.code or type(exc).__name__, exc.message, config)
                stats.dead += outcome == SyncStatus.DEAD
                stats.failed += outcome == SyncStatus.FAILED
        stats.errors.append(exc.message)
        return stats
    _record_success(conn)
    with transaction.atomic():  # one commit for the batch's outcomes
        _record_results(ready, results, adapter, config, stats)
    return stats


def _record_results(
    ready: list, results: list, adapter: Any, config: SenderConfig, stats: RunStats
) -> None:
    confirmed: list[tuple[SyncItem, ItemResult]] = []
    for (item, payload), result in zip(ready, results, strict=True):
        expected = adapter.version_hash_of(payload)
        if result.confirmed and result.version_hash == expected:
            confirmed.append((item, result))
        elif result.confirmed:
            _mark_retry(
                item,
                "version_mismatch",
                "Nơi nhận xác nhận một phiên bản khác với phiên bản đã gửi.",
                config,
            )
            stats.failed += 1
        else:
            message = result.message or result.code or result.status
            if result.problems:
                message += ": " + "; ".join(str(p.get("message", p)) for p in result.problems[:5])
            _mark_dead(item, result.code or result.status, message)
            stats.dead += 1
    stats.synced += _mark_synced(confirmed)


# -- the loop -----------------------------------------------------------------------------------


def sendable_connections(now: datetime | None = None) -> list[Connection]:
    now = now or timezone.now()
    conns = Connection.objects.filter(
        status=ConnectionStatus.ACTIVE, is_official=True
    ).prefetch_related("windows")
    return [c for c in conns if in_window(c, timezone.localtime(now).date())]


def attach_connections() -> int:
    """Queue items created before their agency had a connection get one now."""
    from .queue import connection_for

    done = 0
    for item in (
        SyncItem.objects.filter(connection__isnull=True)
        .exclude(status__in=[SyncStatus.SYNCED])
        .select_related("version__profile__unit")[:1000]
    ):
        conn = connection_for(item.version.profile.unit, item.destination)
        if conn is not None:
            done += SyncItem.objects.filter(pk=item.pk, connection__isnull=True).update(
                connection=conn
            )
    return done


class AdapterPool:
    """The destination adapters of one worker, kept between batches so that their HTTP
    connections stay open (keep-alive) instead of one new connection per batch. An adapter
    is replaced when its connection's address or key changes (rotation)."""

    def __init__(self, factory: AdapterFactory) -> None:
        self.factory = factory
        self._adapters: dict[int, tuple[tuple[Any, ...], Any]] = {}

    @staticmethod
    def _identity(conn: Connection) -> tuple[Any, ...]:
        sealed = bytes(conn.secret_sealed) if conn.secret_sealed else b""
        return (conn.destination, conn.base_url, conn.key_id, sealed)

    def get(self, conn: Connection) -> Any:
        identity = self._identity(conn)
        held = self._adapters.get(conn.pk)
        if held is not None and held[0] == identity:
            return held[1]
        if held is not None:
            _close(held[1])
        adapter = self.factory(conn)
        self._adapters[conn.pk] = (identity, adapter)
        return adapter

    def discard(self, conn: Connection) -> None:
        held = self._adapters.pop(conn.pk, None)
        if held is not None:
            _close(held[1])

    def close(self) -> None:
        for _, adapter in self._adapters.values():
            _close(adapter)
        self._adapters.clear()


def _close(adapter: Any) -> None:
    close = getattr(adapter, "close", None)
    if close:
        close()


def run_once(
    config: SenderConfig | None = None,
    adapter_factory: AdapterFactory | None = None,
    *,
    adapters: AdapterPool | None = None,
) -> RunStats:
    """One pass: at most one batch per sendable connection. With ``adapters`` (a pool kept by
    the caller) the adapters and their HTTP connections are reused between passes; without,
    each batch has its own adapter, closed after it."""
    config = config or SenderConfig.from_settings()
    factory = adapter_factory or (lambda c: default_adapter(c, config))
    stats = RunStats()
    now = timezone.now()
    for conn in sendable_connections(now):
        state = circuit_state(conn, config, now)
        if state == "open":
            continue
        limit = 1 if state == "half_open" else config.batch_size
        items = claim(conn, limit, config)
        if not items:
            continue
        adapter = adapters.get(conn) if adapters is not None else factory(conn)
        try:
            stats.add(send_batch(conn, items, config, adapter))
        except BaseException:
            if adapters is not None:
                adapters.discard(conn)
            raise
        finally:
            if adapters is None:
                _close(adapter)
        if adapters is not None and conn.status != ConnectionStatus.ACTIVE:
            adapters.discard(conn)  # revoked: no more calls with this key
    return stats


def run(
    *,
    max_seconds: float = 55.0,
    idle_seconds: float = 5.0,
    poll: float = 0.5,
    config: SenderConfig | None = None,
    adapter_factory: AdapterFactory | None = None,
) -> RunStats:
    """Send until nothing has been due for ``idle_seconds`` (or ``max_seconds`` passed)."""
    config = config or SenderConfig.from_settings()
    adapters = AdapterPool(adapter_factory or (lambda c: default_adapter(c, config)))
    started = last_work = time.monotonic()
    total = RunStats()
    attach_connections()
    try:
        while True:
            stats = run_once(config, adapter_factory, adapters=adapters)
            total.add(stats)
            now = time.monotonic()
            if stats.claimed:
                last_work = now
            elif now - last_work >= idle_seconds:
                break
            if now - started >= max_seconds:
                break
            if not stats.claimed:
                time.sleep(poll)
    finally:
        adapters.close()
    return total


# -- admin actions ------------------------------------------------------------------------------


def requeue(items: Any) -> int:
    """Dead-letter (or failed) items back to the queue, due now, with a fresh attempt count."""
    return items.filter(status__in=[SyncStatus.DEAD, SyncStatus.FAILED]).update(
        status=SyncStatus.PENDING,
        attempts=0,
        next_attempt_at=timezone.now(),
        lease_until=None,
    )
