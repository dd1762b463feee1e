"""A document provider for batch-signing tests (the profiles app plugs in its own)."""

from __future__ import annotations

from collections.abc import Callable

from signing.sample import sample_profile_document

SIGNED: dict[str, bytes] = {}


def provide(item_id: str) -> tuple[bytes, Callable[[bytes], None]]:
    if item_id.startswith("thieu"):
        raise LookupError(f"Không có hồ sơ '{item_id}'.")
    if item_id.startswith("hong"):
        return b"<HoSo><chua-dong>", SIGNED.__setitem__
    doc = sample_profile_document(history_rows=2).replace(b"001085012345", item_id.encode())

    def store(signed: bytes) -> None:
        SIGNED[item_id] = signed

    return doc, store


PROGRESS_SEEN: list[tuple[int, int]] = []


def provide_watching(item_id: str) -> tuple[bytes, Callable[[bytes], None]]:
    """Like :func:`provide`, and records the running batch's progress as the database shows it."""
    from signing.models import SigningBatch

    batch = SigningBatch.objects.get(status=SigningBatch.Status.RUNNING)
    PROGRESS_SEEN.append((batch.done, batch.total))
    return provide(item_id)


WORKERS_SEEN: list[int] = []


def _signing_workers() -> int:
    """Child processes of this process that run the signing worker (read from /proc)."""
    import os
    from pathlib import Path

    children: list[str] = []
    for task in Path(f"/proc/{os.getpid()}/task").iterdir():
        children += (task / "children").read_text().split()
    count = 0
    for pid in children:
        try:
            cmdline = Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0")
        except OSError:
            continue
        count += b"signing.signpool" in cmdline
    return count


def provide_counting_workers(item_id: str) -> tuple[bytes, Callable[[bytes], None]]:
    """Like :func:`provide`, and records how many signing worker processes are running."""
    WORKERS_SEEN.append(_signing_workers())
    return provide(item_id)


def provide_overtaken(item_id: str) -> tuple[bytes, Callable[[bytes], None]]:
    """Like :func:`provide`; reading the item "overtaken" counts one item on the running batch
    as another runner storing its chunk would, so this runner finds the batch moved on."""
    if item_id == "overtaken":
        from django.db.models import F

        from signing.models import SigningBatch

        SigningBatch.objects.filter(status=SigningBatch.Status.RUNNING).update(done=F("done") + 1)
        item_id = "001085000099"
    return provide(item_id)


COLLECTOR_SEEN: list[tuple[bool, int]] = []
_CYCLES: list = []


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def provide_making_cycles(item_id: str) -> tuple[bytes, Callable[[bytes], None]]:
    """Like :func:`provide`; each store records whether the cyclic garbage collector is on and
    how many of the reference cycles made by the earlier stores are still alive, then makes
    one (unreachable once the store returns)."""
    import gc
    import weakref

    doc, store_signed = provide(item_id)

    def store(signed: bytes) -> None:
        store_signed(signed)
        COLLECTOR_SEEN.append((gc.isenabled(), sum(ref() is not None for ref in _CYCLES)))
        _CYCLES.append(weakref.ref(_Cycle()))

    return doc, store
