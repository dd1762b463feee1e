"""Batch signing as a django-q2 background task.

An approver picks many documents, enters the PIN once, and :func:`start_batch` queues
:func:`run_batch`. Documents come from a *provider*: a dotted path to a callable
``provider(item_id) -> (xml_bytes, store)`` where ``store(signed_bytes)`` saves the signed
document (the profiles app plugs in profile versions this way). Each item is signed and stored
in its own transaction; a failing item is recorded in ``SigningBatch.results`` and the batch
goes on.

**Cores.** With a key file and a batch of ``CBCCVC_SIGNING_POOL_MIN_ITEMS`` (200) items or
more, ``CBCCVC_SIGNING_PROCESSES`` worker processes (0: every core; default 1, i.e. no pool,
because the pool measured slower than one process: see the bench) sign, each opening
the key once (:mod:`.signpool`); this process reads, renders and stores every item, in
order, each in its own transaction. With ``CBCCVC_SIGNING_ITEMS_IN_WORKERS`` on PostgreSQL
each worker does its whole items instead (measured slower here: see the bench). A PKCS#11
token signs here, through its one session, one item after the other (a USB token signs
serially).

**The PIN.** The queue (the django-q2 ORM or Redis broker) only ever sees the batch id. The PIN
is sealed with the master key (:func:`profiles.signing.keys.seal`, a key that is not in the
database) into ``SigningBatch.sealed_pin`` while the batch is pending or running, and that
column is set to NULL when the batch ends — success, failure, or a crash inside the task.
A batch whose worker died leaves a sealed PIN behind; :func:`wipe_stale_pins` clears those.

**Running.** In production a worker runs the queue: ``python manage.py qcluster`` (the
``Q_CLUSTER`` settings; the ORM broker needs no extra server). Progress is read from the batch
row (``done``, ``failed``, ``total``, ``progress``). With ``Q_CLUSTER["sync"] = True`` (tests)
the task runs inside :func:`start_batch`.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils.module_loading import import_string

from .credentials import open_signer
from .errors import SigningError
from .keys import KeyFileSigner, Signer, certificate_fingerprint, seal, unseal
from .models import SigningBatch, SigningCredential
from .signpool import SigningPool, default_processes
from .xmlsig import sign_document

logger = logging.getLogger(__name__)

Provider = Callable[[Any], tuple[bytes, Callable[[bytes], None]]]
PROGRESS_EVERY = 20  # save the counters every N items (and at the end)
RESULTS_EVERY = 500  # save the per-item results every N items (and at the end)


def _load_provider(path: str) -> Provider:
    try:
        provider = import_string(path)
    except ImportError as exc:
        raise ValidationError(f"Không tìm thấy nguồn tài liệu '{path}'.") from exc
    if not callable(provider):
        raise ValidationError(f"Nguồn tài liệu '{path}' không phải hàm.")
    return provider


def start_batch(
    user: Any,
    credential: SigningCredential,
    item_ids: Iterable[Any],
    *,
    provider: str,
    pin: str,
) -> SigningBatch:
    """Check the PIN opens the key, create the batch and queue it. Returns the batch."""
    ids = [i for i in item_ids]
    if not ids:
        raise ValidationError("Chưa chọn tài liệu nào để ký.")
    if len(set(map(str, ids))) != len(ids):
        raise ValidationError("Danh sách tài liệu cần ký có mục trùng nhau.")
    if credential.owner_id != user.pk:
        raise PermissionDenied("Chỉ người sở hữu khóa mới được dùng khóa này để ký.")
    _load_provider(provider)
    # Fail now, in front of the user, on a wrong PIN or an unusable key.
    open_signer(credential, pin, user=user).close()
    batch = SigningBatch.objects.create(
        created_by=user,
        credential=credential,
        provider=provider,
        item_ids=ids,
        total=len(ids),
        sealed_pin=seal(pin.encode("utf-8")),
    )
    from django_q.tasks import async_task

    # Q_CLUSTER is read here rather than from django_q's import-time Conf, so a settings
    # override (tests) takes effect.
    sync = bool(getattr(settings, "Q_CLUSTER", {}).get("sync", False))

    def enqueue() -> None:
        task_id = async_task(
            "profiles.signing.tasks.run_batch",
            batch.pk,
            task_name=f"ky-so-lo-{batch.pk}",
            sync=sync,
        )
        SigningBatch.objects.filter(pk=batch.pk, task_id="").update(task_id=str(task_id))

    if sync:
        enqueue()
    else:
        transaction.on_commit(enqueue)
    batch.refresh_from_db()
    return batch


def run_batch(batch_id: int) -> dict[str, int]:
    """The task: sign every item of the batch; always wipes the sealed PIN at the end."""
    batch = SigningBatch.objects.select_related("credential", "created_by").get(pk=batch_id)
    if batch.status != SigningBatch.Status.PENDING:
        return {"done": batch.done, "failed": batch.failed}
    SigningBatch.objects.filter(pk=batch.pk).update(
        status=SigningBatch.Status.RUNNING, started_at=datetime.now(UTC)
    )
    batch.status = SigningBatch.Status.RUNNING
    results: dict[str, Any] = dict(batch.results)
    done = failed = 0
    try:
        if not batch.sealed_pin:
            raise SigningError("Mã PIN của lô đã bị xóa; hãy tạo lô mới.")
        pin = unseal(bytes(batch.sealed_pin)).decode("utf-8")
        provider = _load_provider(batch.provider)
        with open_signer(batch.credential, pin, user=batch.created_by) as signer:
            pool = _pool_for(batch, signer, pin)
            del pin
            with pool or nullcontext():
                signed_items = (
                    _sign_in_pool(batch.item_ids, provider, pool)
                    if pool is not None
                    else _sign_here(batch.item_ids, provider, signer)
                )
                for index, (key, exc) in enumerate(signed_items, start=1):
                    if exc is None:
                        done += 1
                        results[key] = {"ok": True, "signed_at": datetime.now(UTC).isoformat()}
                    else:
                        failed += 1
                        results[key] = _failure(batch, key, exc)
                    if index % PROGRESS_EVERY == 0:
                        progress: dict[str, Any] = {"done": done, "failed": failed}
                        if index % RESULTS_EVERY == 0:
                            progress["results"] = results
                        SigningBatch.objects.filter(pk=batch.pk).update(**progress)
        status = SigningBatch.Status.DONE if failed == 0 else SigningBatch.Status.DONE_WITH_ERRORS
        error = ""
    except (SigningError, ValidationError, PermissionDenied) as exc:
        status, error = SigningBatch.Status.FAILED, _message(exc)
    except Exception as exc:
        logger.exception("signing batch %s failed", batch.pk)
        status, error = SigningBatch.Status.FAILED, f"Lỗi không xác định: {type(exc).__name__}"
    finally:
        # Whatever happened, the sealed PIN does not outlive the batch.
        SigningBatch.objects.filter(pk=batch.pk).update(sealed_pin=None)
    SigningBatch.objects.filter(pk=batch.pk).update(
        status=status,
        error=error,
        done=done,
        failed=failed,
        results=results,
        finished_at=datetime.now(UTC),
    )
    return {"done": done, "failed": failed}


_ITEM_ERRORS = (SigningError, ValidationError, PermissionDenied, LookupError)
Outcome = tuple[str, Exception | None]  # item key, and what went wrong (None: signed, stored)


def item_error(exc: Exception) -> str:
    """The message recorded for an item that failed (unexpected errors are logged)."""
    if isinstance(exc, _ITEM_ERRORS):
        return _message(exc)
    # one bad item must not stop the batch
    logger.error("signing batch: an item failed", exc_info=exc)
    return f"Lỗi không xác định: {type(exc).__name__}"


def _failure(batch: SigningBatch, key: str, exc: Exception) -> dict[str, Any]:
    return {"ok": False, "error": item_error(exc)}


def _sign_here(item_ids: Iterable[Any], provider: Provider, signer: Signer) -> Iterator[Outcome]:
    """One item after the other in this process (a token, a small batch): read, render, sign
    and store each in one transaction."""
    for item_id in item_ids:
        try:
            with transaction.atomic():
                xml_bytes, store = provider(item_id)
                store(sign_document(xml_bytes, signer))
        except Exception as exc:
            yield str(item_id), exc
        else:
            yield str(item_id), None


def _pool_for(batch: SigningBatch, signer: Signer, pin: str) -> SigningPool | None:
    """Worker processes for a key file and a batch big enough to pay for starting them
    (``CBCCVC_SIGNING_PROCESSES``: 0 for the cores available, default 1 = none, since the
    pool measured slower than one process on the 2-core machine;
    ``CBCCVC_SIGNING_POOL_MIN_ITEMS``, default 200); None → sign in this process."""
    credential = batch.credential
    processes = int(getattr(settings, "CBCCVC_SIGNING_PROCESSES", 1) or default_processes())
    # Measured (bench/bench_batch_signing.py): not faster on the 2-core machine shared with
    # PostgreSQL, and each worker pays Django's start-up; opt-in, PostgreSQL only (the
    # workers need a database they can all write at once).
    in_workers = bool(getattr(settings, "CBCCVC_SIGNING_ITEMS_IN_WORKERS", False))
    in_workers = in_workers and connection.vendor == "postgresql"
    min_items = int(getattr(settings, "CBCCVC_SIGNING_POOL_MIN_ITEMS", 200))
    if (
        not isinstance(signer, KeyFileSigner)
        or credential.kind != SigningCredential.Kind.PKCS12
        or not credential.sealed_pkcs12
        or processes < 2
        or len(batch.item_ids) < max(min_items, 2)
    ):
        return None
    try:
        return SigningPool(
            unseal(bytes(credential.sealed_pkcs12)),
            pin,
            processes=processes,
            fingerprint=certificate_fingerprint(signer.certificate),
            provider=batch.provider if in_workers else "",
        )
    except (SigningError, OSError):  # the batch is still signed, on one core
        logger.exception("signing batch %s: no worker processes, signing here", batch.pk)
        return None


def _sign_in_pool(
    item_ids: Iterable[Any], provider: Provider, pool: SigningPool
) -> Iterator[Outcome]:
    """Read and render each item here, sign it in a worker, store it here (own transaction),
    in the order of the batch; a few items are in flight at a time, so the workers sign while
    this process renders the next ones and stores the previous ones."""
    in_flight: deque[tuple[str, Future[bytes] | None, Any, Exception | None]] = deque()

    def finish() -> Outcome:
        key, signed, store, error = in_flight.popleft()
        if error is not None or signed is None:
            return key, error
        try:
            document = signed.result()
            if store is not None:
                with transaction.atomic():
                    store(document)
        except Exception as exc:
            return key, exc
        return key, None

    window = 2 * pool.processes
    for item_id in item_ids:
        if pool.provider:  # the worker reads, renders, signs and stores the item
            in_flight.append((str(item_id), pool.submit(str(item_id).encode()), None, None))
            while len(in_flight) > window:
                yield finish()
            continue
        try:
            xml_bytes, store = provider(item_id)
        except Exception as exc:
            in_flight.append((str(item_id), None, None, exc))
        else:
            in_flight.append((str(item_id), pool.submit(xml_bytes), store, None))
        while len(in_flight) > window:
            yield finish()
    while in_flight:
        yield finish()


def _message(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc) or type(exc).__name__


def wipe_stale_pins(older_than: timedelta = timedelta(hours=6)) -> int:
    """Fail batches stuck pending/running for ``older_than`` (dead worker) and wipe their PIN."""
    cutoff = datetime.now(UTC) - older_than
    return SigningBatch.objects.filter(
        created_at__lt=cutoff,
        status__in=[SigningBatch.Status.PENDING, SigningBatch.Status.RUNNING],
    ).update(
        sealed_pin=None,
        status=SigningBatch.Status.FAILED,
        error="Lô bị dừng do tác vụ nền không hoàn thành; mã PIN đã được xóa.",
        finished_at=datetime.now(UTC),
    )
