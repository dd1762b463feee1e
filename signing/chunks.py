"""Batch signing in chunks: read, sign and store a chunk of items at a time, each chunk stored
in ONE transaction together with the batch's counters (:func:`run_chunks`, used by
:func:`signing.tasks.run_batch`).

**Providers.** A provider is a callable ``provider(item_id) -> (xml_bytes, store)`` (see
:mod:`.tasks`). A provider may also read and store many items at once (:class:`ChunkProvider`:
``read_chunk`` and ``store_chunk``, e.g. the profiles' provider, set-based); any other provider
is read item by item and its ``store`` callables are called one after the other, in the
chunk's transaction.

**What a crash leaves.** A chunk's stores and the batch's ``done``/``failed`` counters and
failures (``SigningBatch.results``) are committed together: a process that dies in the middle
of a chunk leaves that chunk's items untouched and every earlier chunk stored and counted.
Items are processed in the batch's order, so ``done + failed`` is where the batch stands: a
batch is resumed from there (:func:`signing.tasks.run_batch` on a batch left
"running" with its sealed PIN, e.g. the task delivered again after its worker died).

**Two runners.** Each chunk's transaction first locks the batch row and checks that ``done +
failed`` is still where this runner started the chunk; if another runner has moved it, this
one stops (:class:`Superseded`) and leaves the batch to it. An item is thus never counted
twice; it is never stored twice either, since the provider's store checks, under a row
lock, that the document is still waiting for its signature.

**A failing store.** A store that raises rolls back its whole chunk; the chunk's items are
then stored again one by one, each in its own transaction, so that one bad item fails alone
(its message recorded) and the others are stored.
"""

from __future__ import annotations

import gc
import logging
import time
from collections import deque
from collections.abc import Callable, Iterator, Sequence
from concurrent.futures import Future
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction

from .errors import SigningError
from .keys import Signer
from .models import SigningBatch
from .signpool import SigningPool
from .xmlsig import sign_document

logger = logging.getLogger(__name__)

DEFAULT_CHUNK_ITEMS = 200


@dataclass
class ChunkItem:
    """One item of a chunk as read by the provider: its document and what the provider needs
    to store it (``state``), or why it could not be read (``error``)."""

    item_id: Any
    document: bytes = b""
    state: Any = None
    error: Exception | None = None

    @property
    def key(self) -> str:
        return str(self.item_id)


@dataclass
class Outcome:
    """An item after signing: the signed bytes to store, or the error that stopped it.
    ``signed`` None and ``error`` None: already stored (by a worker process)."""

    item: ChunkItem
    signed: bytes | None = None
    error: Exception | None = None


@runtime_checkable
class ChunkProvider(Protocol):
    """A provider that also reads and stores many items at once."""

    def __call__(self, item_id: Any) -> tuple[bytes, Callable[[bytes], None]]: ...

    def read_chunk(self, item_ids: Sequence[Any]) -> list[ChunkItem]:
        """The items, in the same order; an item that cannot be read carries its error."""
        ...

    def store_chunk(self, signed: Sequence[tuple[ChunkItem, bytes]]) -> dict[str, Exception]:
        """Store every signed item, in the caller's transaction; return the items refused
        (key → error; nothing written for them). Raising rolls the whole chunk back."""
        ...


class ItemProvider:
    """A plain provider seen as a :class:`ChunkProvider`: read item by item, and each item's
    own ``store`` called in turn."""

    def __init__(self, provider: Callable[[Any], tuple[bytes, Callable[[bytes], None]]]):
        self.provider = provider

    def __call__(self, item_id: Any) -> tuple[bytes, Callable[[bytes], None]]:
        return self.provider(item_id)

    def read_chunk(self, item_ids: Sequence[Any]) -> list[ChunkItem]:
        items = []
        for item_id in item_ids:
            try:
                document, store = self.provider(item_id)
            except Exception as exc:
                items.append(ChunkItem(item_id, error=exc))
            else:
                items.append(ChunkItem(item_id, document, store))
        return items

    def store_chunk(self, signed: Sequence[tuple[ChunkItem, bytes]]) -> dict[str, Exception]:
        for item, document in signed:
            item.state(document)
        return {}


def as_chunk_provider(provider: Any) -> ChunkProvider:
    return provider if isinstance(provider, ChunkProvider) else ItemProvider(provider)


class Superseded(Exception):
    """Another runner has moved the batch on: this one stops."""


_ITEM_ERRORS = (SigningError, ValidationError, PermissionDenied, LookupError)


def item_error(exc: Exception) -> str:
    """The message recorded for an item that failed (unexpected errors are logged)."""
    if isinstance(exc, _ITEM_ERRORS):
        return message(exc)
    # one bad item must not stop the batch
    logger.error("signing batch: an item failed", exc_info=exc)
    return f"Lỗi không xác định: {type(exc).__name__}"


def message(exc: BaseException) -> str:
    if isinstance(exc, ValidationError):
        return "; ".join(exc.messages)
    return str(exc) or type(exc).__name__


# -- signing a chunk ----------------------------------------------------------------------------


def _slices(item_ids: Sequence[Any], size: int) -> Iterator[Sequence[Any]]:
    for start in range(0, len(item_ids), size):
        yield item_ids[start : start + size]


def _sign_here(item: ChunkItem, signer: Signer) -> Outcome:
    if item.error is not None:
        return Outcome(item, error=item.error)
    try:
        return Outcome(item, sign_document(item.document, signer))
    except Exception as exc:
        return Outcome(item, error=exc)


def signed_here(
    item_ids: Sequence[Any], provider: ChunkProvider, signer: Signer, size: int
) -> Iterator[list[Outcome]]:
    """Chunks read and signed in this process (a token, a small batch), one after the other."""
    for chunk in _slices(item_ids, size):
        yield [_sign_here(item, signer) for item in provider.read_chunk(chunk)]


Pending = list[tuple[ChunkItem, "Future[bytes] | None"]]


def _collect(pending: Pending) -> list[Outcome]:
    outcomes = []
    for item, future in pending:
        if future is None:
            outcomes.append(Outcome(item, error=item.error))
            continue
        try:
            signed = future.result()
        except Exception as exc:
            outcomes.append(Outcome(item, error=exc))
        else:
            # with the pool's provider the worker has stored the item: nothing to store here
            outcomes.append(Outcome(item, signed or None))
    return outcomes


def signed_in_pool(
    item_ids: Sequence[Any], provider: ChunkProvider, pool: SigningPool, size: int
) -> Iterator[list[Outcome]]:
    """Chunks read here and signed by the pool's workers, in the batch's order; the next chunk
    is read and handed out before the previous one is stored, so that the workers sign while
    this process reads and stores. With the pool's ``provider`` the workers read, sign and
    store each item themselves (one transaction per item) and this process only counts."""
    in_flight: deque[Pending] = deque()
    for chunk in _slices(item_ids, size):
        if pool.provider:
            items = [ChunkItem(item_id) for item_id in chunk]
            pending: Pending = [(item, pool.submit(item.key.encode())) for item in items]
        else:
            pending = [
                (item, None if item.error is not None else pool.submit(item.document))
                for item in provider.read_chunk(chunk)
            ]
        in_flight.append(pending)
        if len(in_flight) > 1:
            yield _collect(in_flight.popleft())
    while in_flight:
        yield _collect(in_flight.popleft())


# -- storing a chunk ----------------------------------------------------------------------------


def _commit(
    batch_id: int, position: int, outcomes: Sequence[Outcome], provider: ChunkProvider
) -> None:
    """Store ``outcomes`` and count them on the batch, in one transaction; the batch stood at
    ``position`` (done + failed) when this runner read the chunk (see :class:`Superseded`)."""
    with transaction.atomic():
        row = (
            SigningBatch.objects.select_for_update()
            .filter(pk=batch_id)
            .values("done", "failed", "results")
            .get()
        )
        if row["done"] + row["failed"] != position:
            raise Superseded
        to_store = [(o.item, o.signed) for o in outcomes if o.error is None and o.signed]
        refused = provider.store_chunk(to_store) if to_store else {}
        failures = {}
        for outcome in outcomes:
            error = outcome.error or refused.get(outcome.item.key)
            if error is not None:
                failures[outcome.item.key] = {"ok": False, "error": item_error(error)}
        changes: dict[str, Any] = {
            "done": row["done"] + len(outcomes) - len(failures),
            "failed": row["failed"] + len(failures),
        }
        if failures:
            changes["results"] = {**row["results"], **failures}
        SigningBatch.objects.filter(pk=batch_id).update(**changes)


def record(
    batch_id: int, position: int, outcomes: Sequence[Outcome], provider: ChunkProvider
) -> int:
    """:func:`_commit` the chunk; if its store fails, each item again in its own transaction
    (a failing item is then recorded as failed, nothing of it stored). Returns the position
    after the chunk."""
    try:
        _commit(batch_id, position, outcomes, provider)
    except Superseded:
        raise
    except Exception as exc:
        if len(outcomes) > 1:
            logger.warning(
                "signing batch %s: a chunk of %s items could not be stored (%s); "
                "storing them one by one",
                batch_id,
                len(outcomes),
                type(exc).__name__,
            )
            for outcome in outcomes:
                position = record(batch_id, position, [outcome], provider)
            return position
        _commit(batch_id, position, [Outcome(outcomes[0].item, error=exc)], provider)
    return position + len(outcomes)


@contextmanager
def collector_paused() -> Iterator[Callable[[], int]]:
    """Python's cyclic garbage collector off for a batch's chunks; the callable it gives
    collects the young generations (the objects made since the last call), once per chunk.

    A chunk makes hundreds of thousands of objects (snapshots, model instances, documents)
    that reference counting frees; the collector, counting allocations, would otherwise also
    walk the process's whole heap (Django, the code lists, the chunk in flight) many times
    per chunk: about a third of the CPU of reading, rendering and storing a chunk
    (``bench/bench_batch_signing.py``). The few reference cycles a chunk leaves are
    collected after it; the collector is on again afterwards as it was."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield lambda: gc.collect(1)
    finally:
        if enabled:
            gc.enable()


def run_chunks(
    batch: SigningBatch,
    provider: Any,
    signer: Signer,
    pool: SigningPool | None,
    size: int,
    until: float | None = None,
) -> bool:
    """Sign and store the items of ``batch`` from where it stands (``done + failed``), chunk by
    chunk; True when every item is done. With ``until`` (a ``time.monotonic()`` instant) it
    stops after the chunk that passes it and returns False while items remain: a task's time
    slice, so that a batch of any size never meets the cluster's task timeout. Raises
    :class:`Superseded` if another runner took the batch over."""
    position = batch.done + batch.failed
    remaining = list(batch.item_ids)[position:]
    chunk_provider = as_chunk_provider(provider)
    chunks = (
        signed_in_pool(remaining, chunk_provider, pool, size)
        if pool is not None
        else signed_here(remaining, chunk_provider, signer, size)
    )
    end = batch.done + batch.failed + len(remaining)
    with collector_paused() as collect:
        for outcomes in chunks:
            position = record(batch.pk, position, outcomes, chunk_provider)
            collect()
            if until is not None and position < end and time.monotonic() >= until:
                return False
    return True
