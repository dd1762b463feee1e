"""Batch signing as a django-q2 background task.

An approver picks many documents, enters the PIN once, and :func:`start_batch` queues
:func:`run_batch`. Documents come from a *provider*: a dotted path to a callable
``provider(item_id) -> (xml_bytes, store)`` where ``store(signed_bytes)`` saves the signed
document (the profiles app plugs in profile versions this way; its provider also reads and
stores a whole chunk at once, see :mod:`.chunks`). Items are signed and stored in chunks of
``CBCCVC_SIGNING_CHUNK_ITEMS`` (200), each chunk in one transaction with the batch's counters
and failures: a crash leaves every item either stored and counted or untouched, and the batch
resumes from where it stands (:mod:`.chunks`). A failing item is recorded in
``SigningBatch.results`` (only failures are listed there; ``done`` counts the others) and the
batch goes on.

**Cores.** With a key file and a batch of ``CBCCVC_SIGNING_POOL_MIN_ITEMS`` (200) items or
more, ``CBCCVC_SIGNING_PROCESSES`` worker processes (default 0: every core; 1: no pool;
measured ×1.00–1.21 over one process on the 2-core machine, never slower: see the bench)
sign, each opening the key once (:mod:`.signpool`); this process reads, renders and stores
every chunk, in order. With ``CBCCVC_SIGNING_ITEMS_IN_WORKERS`` on PostgreSQL
each worker does its whole items instead, one transaction per item (measured slower here: see
the bench; the batch's counters then follow the workers' commits, so a batch resumed after a
crash reports the items stored just before it as failed, "already signed"). A PKCS#11
token signs here, through its one session, one item after the other (a USB token signs
serially).

**The PIN.** The queue (the django-q2 ORM or Redis broker) only ever sees the batch id. The PIN
is sealed with the master key (:func:`signing.keys.seal`, a key that is not in the
database) into ``SigningBatch.sealed_pin`` while the batch is pending or running, and that
column is set to NULL when the batch ends — success, failure, or a crash inside the task.
A batch whose worker died leaves a sealed PIN behind: the task delivered again resumes the
batch with it; :func:`wipe_stale_pins` clears those left after hours.

**Running.** In production a worker runs the queue: ``python manage.py qcluster`` (the
``Q_CLUSTER`` settings; the ORM broker needs no extra server). Progress is read from the batch
row (``done``, ``failed``, ``total``, ``progress``), committed with each chunk. With
``Q_CLUSTER["sync"] = True`` (tests) the task runs inside :func:`start_batch`.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable
from contextlib import nullcontext
from datetime import UTC, datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import connection, transaction
from django.utils.module_loading import import_string

from .chunks import DEFAULT_CHUNK_ITEMS, Superseded, item_error, message, run_chunks
from .credentials import open_signer
from .errors import SigningError
from .keys import KeyFileSigner, Signer, certificate_fingerprint, seal, unseal
from .models import SigningBatch, SigningCredential
from .signpool import SigningPool, default_processes

logger = logging.getLogger(__name__)

Provider = Callable[[Any], tuple[bytes, Callable[[bytes], None]]]
__all__ = ["item_error", "run_batch", "start_batch", "wipe_stale_pins"]


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
            "signing.tasks.run_batch",
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


def chunk_items() -> int:
    """Items stored per transaction (``CBCCVC_SIGNING_CHUNK_ITEMS``, default 200)."""
    return max(1, int(getattr(settings, "CBCCVC_SIGNING_CHUNK_ITEMS", DEFAULT_CHUNK_ITEMS)))


def task_slice_seconds() -> float:
    """How long one task signs before it hands the rest of its batch to a new task
    (``CBCCVC_SIGNING_TASK_SLICE_SECONDS``, default half the cluster's task timeout): a batch
    of 300,000 profiles outlives any one task's timeout."""
    timeout = float(getattr(settings, "Q_CLUSTER", {}).get("timeout") or 1800)
    return float(getattr(settings, "CBCCVC_SIGNING_TASK_SLICE_SECONDS", timeout / 2))


def _continue(batch: SigningBatch) -> None:
    """Queue the next slice of a batch (the new task resumes from the batch's position)."""
    from django_q.tasks import async_task

    sync = bool(getattr(settings, "Q_CLUSTER", {}).get("sync", False))
    async_task(
        "signing.tasks.run_batch",
        batch.pk,
        task_name=f"ky-so-lo-{batch.pk}-tiep-{batch.done + batch.failed}",
        sync=sync,
    )


def run_batch(batch_id: int) -> dict[str, int]:
    """The task: sign every item of the batch, from where it stands (a batch left "running"
    with its sealed PIN, whose worker died, is resumed); wipes the sealed PIN at the end,
    unless another runner took the batch over."""
    batch = SigningBatch.objects.select_related("credential", "created_by").get(pk=batch_id)
    if batch.status == SigningBatch.Status.PENDING:
        claimed = SigningBatch.objects.filter(
            pk=batch.pk, status=SigningBatch.Status.PENDING
        ).update(status=SigningBatch.Status.RUNNING, started_at=datetime.now(UTC))
        if not claimed:  # another worker took it a moment ago
            return {"done": batch.done, "failed": batch.failed}
        batch.status = SigningBatch.Status.RUNNING
    elif batch.status == SigningBatch.Status.RUNNING and batch.sealed_pin:
        logger.warning(
            "signing batch %s: resumed after %s of %s items",
            batch.pk,
            batch.done + batch.failed,
            batch.total,
        )
    else:
        return {"done": batch.done, "failed": batch.failed}
    superseded = sliced = False
    until = time.monotonic() + task_slice_seconds()
    try:
        if not batch.sealed_pin:
            raise SigningError("Mã PIN của lô đã bị xóa; hãy tạo lô mới.")
        pin = unseal(bytes(batch.sealed_pin)).decode("utf-8")
        provider = _load_provider(batch.provider)
        with open_signer(batch.credential, pin, user=batch.created_by) as signer:
            pool = _pool_for(batch, signer, pin)
            del pin
            with pool or nullcontext():
                finished = run_chunks(batch, provider, signer, pool, chunk_items(), until)
        if finished:
            status, error = SigningBatch.Status.DONE, ""
        else:  # the time slice is over: a new task goes on (the PIN stays sealed for it)
            status, error, sliced = None, "", True
    except Superseded:
        logger.warning("signing batch %s: taken over by another runner; this one stops", batch.pk)
        status, error, superseded = None, "", True
    except (SigningError, ValidationError, PermissionDenied) as exc:
        status, error = SigningBatch.Status.FAILED, message(exc)
    except Exception as exc:
        logger.exception("signing batch %s failed", batch.pk)
        status, error = SigningBatch.Status.FAILED, f"Lỗi không xác định: {type(exc).__name__}"
    finally:
        # Whatever happened, the sealed PIN does not outlive the batch; a runner that another
        # took over from leaves it to that one (which may still need it to resume).
        if not (superseded or sliced):
            SigningBatch.objects.filter(pk=batch.pk).update(sealed_pin=None)
    if sliced:
        batch.refresh_from_db(fields=["done", "failed"])
        logger.info("signing batch %s: slice over at %s items", batch.pk, batch.done + batch.failed)
        _continue(batch)
    done, failed = SigningBatch.objects.filter(pk=batch.pk).values_list("done", "failed").get()
    if status is not None:
        if status == SigningBatch.Status.DONE and failed:
            status = SigningBatch.Status.DONE_WITH_ERRORS
        SigningBatch.objects.filter(pk=batch.pk).update(
            status=status, error=error, finished_at=datetime.now(UTC)
        )
    return {"done": done, "failed": failed}


def _pool_for(batch: SigningBatch, signer: Signer, pin: str) -> SigningPool | None:
    """Worker processes for a key file and a batch big enough to pay for starting them
    (``CBCCVC_SIGNING_PROCESSES``: default 0 for the cores available, 1 = none; on the
    2-core machine the pool signed 474 profiles/s against 393-412 for one process in one
    run and 402 against 401-403 in another, never slower, since the garbage collector no
    longer slows the reading and storing, see :mod:`.chunks`;
    ``CBCCVC_SIGNING_POOL_MIN_ITEMS``, default 200); None → sign in this process."""
    credential = batch.credential
    processes = int(getattr(settings, "CBCCVC_SIGNING_PROCESSES", 0) or default_processes())
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
