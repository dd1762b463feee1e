"""Signing on every core with a key file: worker processes that each open the key once.

A PKCS#12 key is a plain file: any number of processes can sign with it at once.
:class:`SigningPool` starts ``processes`` workers (``python -m signing.signpool``,
plain subprocesses: the django-q2 worker that runs a batch is itself a daemonic process and may
not fork a ``multiprocessing`` pool).

**The key.** The parent sends the PKCS#12 file and its PIN once to each worker over the
worker's stdin (never on the command line or in the environment, which other users of the
machine can read); the worker opens it once, answers with the SHA-256 fingerprint of its
certificate (which the parent compares with the credential's) and keeps the key in memory
until its stdin closes. Nothing is written to disk.

**The work**, two ways. (1) The parent keeps everything that touches the database: it reads
and renders each document (the provider), hands the bytes to a worker, and stores the signed
bytes a chunk per transaction, in order; one thread per worker does the pipe I/O, so the
parent renders and stores while the workers sign. (2) With ``provider``, on PostgreSQL, the
workers do the whole item (Django set up in each, on the parent's database): the parent only
hands out item ids and counts the outcomes. (2) was meant for a store costing ~25 times the
signature (one transaction per item); each worker pays Django's start-up and stores item by
item, and since the parent stores a chunk per transaction (:mod:`.chunks`) (2) is about nine
times slower than (1) on the shared 2-core machine (``bench/bench_batch_signing.py``).
:mod:`.tasks` uses (1) unless told otherwise.
A worker signs with the template signer (:func:`signing.xmlsig.sign_document`) and
answers with the signed bytes (or, in (2), nothing) or the message of the item's error (the
batch records it and goes on).

A PKCS#11 token is never used here: a USB token signs serially, through one session
(:mod:`signing.tasks` signs in the parent for tokens).

Framing on the pipes: a 4-byte big-endian length, then the payload; a reply's payload starts
with ``b"+"`` (what follows is the answer) or ``b"-"`` (a UTF-8 error message follows).
"""

from __future__ import annotations

import json
import os
import queue
import struct
import subprocess
import sys
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import IO, Any

from .errors import SigningError

_LENGTH = struct.Struct(">I")
_ROOT = Path(__file__).resolve().parent.parent


def _write(stream: IO[bytes], payload: bytes) -> None:
    stream.write(_LENGTH.pack(len(payload)))
    stream.write(payload)
    stream.flush()


def _read(stream: IO[bytes]) -> bytes | None:
    head = stream.read(_LENGTH.size)
    if len(head) < _LENGTH.size:
        return None
    (size,) = _LENGTH.unpack(head)
    data = stream.read(size)
    if len(data) < size:
        return None
    return data


def default_processes() -> int:
    """The cores this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


class _Worker:
    def __init__(self, pkcs12: bytes, pin: str, items: bytes) -> None:
        env = {**os.environ, "PYTHONPATH": str(_ROOT)}
        self.process = subprocess.Popen(
            [sys.executable, "-m", "signing.signpool"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            cwd=_ROOT,
            env=env,
        )
        assert self.process.stdin is not None and self.process.stdout is not None
        self.stdin = self.process.stdin
        self.stdout = self.process.stdout
        _write(self.stdin, pkcs12)
        _write(self.stdin, pin.encode("utf-8"))
        _write(self.stdin, items)

    def opened(self) -> bytes:
        """The worker's answer to the key: ``+<fingerprint hex>`` or ``-<message>``."""
        reply = _read(self.stdout)
        if reply is None:
            raise SigningError("Tiến trình ký không khởi động được.")
        return reply

    def sign(self, request: bytes) -> bytes:
        _write(self.stdin, request)
        reply = _read(self.stdout)
        if reply is None:
            raise SigningError("Tiến trình ký dừng bất thường.")
        if reply[:1] == b"+":
            return reply[1:]
        raise SigningError(reply[1:].decode("utf-8", "replace"))

    def close(self) -> None:
        try:
            self.stdin.close()
        except OSError:
            pass
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.stdout.close()


class SigningPool:
    """``processes`` signing workers holding one key file; :meth:`submit` returns a future of
    the signed bytes (or, with ``provider``, of ``b""`` once the worker has stored the item).
    Use as a context manager (the workers stop at the end).

    ``provider`` (a dotted path, see :mod:`.tasks`) makes the workers do the whole item:
    read and render it, sign it, store it in their own transaction, on the same database as
    this process (its name is passed: a test database is found too). Only for a database
    several processes can write at once (PostgreSQL)."""

    def __init__(
        self,
        pkcs12: bytes,
        pin: str,
        *,
        processes: int,
        fingerprint: str,
        provider: str = "",
    ) -> None:
        self._workers: list[_Worker] = []
        self._idle: queue.Queue[_Worker] = queue.Queue()
        self.provider = provider
        items = b""
        if provider:
            from django.conf import settings
            from django.db import connections

            databases = {alias: connections[alias].settings_dict["NAME"] for alias in connections}
            # where the master key lives (the fields sealed at rest open with it)
            var_dir = str(settings.VAR_DIR)
            items = json.dumps(
                {"provider": provider, "databases": databases, "var_dir": var_dir}
            ).encode()
        try:
            for _ in range(processes):
                self._workers.append(_Worker(pkcs12, pin, items))
            for worker in self._workers:
                reply = worker.opened()
                if reply[:1] != b"+":
                    raise SigningError(reply[1:].decode("utf-8", "replace"))
                if reply[1:].decode("ascii") != fingerprint:
                    raise SigningError("Tiến trình ký mở được khóa khác với khóa của lô.")
                self._idle.put(worker)
        except BaseException:
            self.close()
            raise
        self._threads = ThreadPoolExecutor(max_workers=processes, thread_name_prefix="ky-so")

    @property
    def processes(self) -> int:
        return len(self._workers)

    def _sign(self, request: bytes) -> bytes:
        worker = self._idle.get()
        try:
            return worker.sign(request)
        finally:
            self._idle.put(worker)

    def submit(self, request: bytes) -> Future[bytes]:
        """A document to sign, or (with ``provider``) an item id (UTF-8) to sign and store."""
        return self._threads.submit(self._sign, request)

    def close(self) -> None:
        threads = getattr(self, "_threads", None)
        if threads is not None:
            threads.shutdown(wait=True)
        for worker in self._workers:
            worker.close()
        self._workers = []

    def __enter__(self) -> SigningPool:
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()


def _item_worker(spec: bytes, sign: Callable[[bytes], bytes]) -> Callable[[bytes], bytes]:
    """The whole item in the worker: Django set up on the parent's databases; the provider
    reads and renders, the signature is stored in one transaction (as :mod:`.tasks` does)."""
    import django

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbccvc.settings")
    django.setup()
    from django.conf import settings
    from django.db import connections, transaction
    from django.utils.module_loading import import_string

    from .chunks import item_error

    config = json.loads(spec)
    settings.VAR_DIR = Path(config["var_dir"])
    for alias, name in config["databases"].items():
        connections[alias].settings_dict["NAME"] = name
    provider = import_string(config["provider"])

    def one(item_id: bytes) -> bytes:
        try:
            with transaction.atomic():
                xml_bytes, store = provider(item_id.decode("utf-8"))
                store(sign(xml_bytes))
        except Exception as exc:
            raise SigningError(item_error(exc)) from exc
        return b""

    return one


def _serve(stdin: IO[bytes], stdout: IO[bytes]) -> None:
    """The worker: open the key once, then sign every document (or item) received until EOF."""
    from .keys import KeyFileSigner, certificate_fingerprint
    from .xmlsig import sign_document

    pkcs12, pin, items = _read(stdin), _read(stdin), _read(stdin)
    if pkcs12 is None or pin is None or items is None:
        return
    try:
        signer = KeyFileSigner.from_pkcs12(pkcs12, pin.decode("utf-8"))
    except SigningError as exc:
        _write(stdout, b"-" + (str(exc) or type(exc).__name__).encode("utf-8"))
        return
    del pkcs12, pin
    sign: Callable[[bytes], bytes] = lambda xml: sign_document(xml, signer)  # noqa: E731
    if items:
        sign = _item_worker(items, sign)
    _write(stdout, b"+" + certificate_fingerprint(signer.certificate).encode("ascii"))
    while (request := _read(stdin)) is not None:
        try:
            reply = b"+" + sign(request)
        except SigningError as exc:
            reply = b"-" + (str(exc) or type(exc).__name__).encode("utf-8")
        except Exception as exc:  # one bad document must not stop the worker
            reply = b"-" + f"Lỗi không xác định: {type(exc).__name__}".encode()
        _write(stdout, reply)
    signer.close()


if __name__ == "__main__":
    _serve(sys.stdin.buffer, sys.stdout.buffer)
