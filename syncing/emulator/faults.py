"""Fault injection of the emulator, set by configuration, deterministic with a seed.

A :class:`FaultPlan` comes from ``settings.NATIONAL_FAULTS`` (env ``NATIONAL_FAULTS``: JSON text
or the path of a JSON file), from ``national_emulator --faults FILE``, or is set at run time
(``state.faults = FaultPlan(...)``, e.g. by a test). Keys, all optional::

    {"seed": 7, "latency_ms": 0, "latency_jitter_ms": 0,
     "error_rate": 0.2,        # answer 503 "unavailable" without processing
     "error_after_rate": 0.0,  # process, commit, then answer 500 (the client must retry)
     "timeout_rate": 0.0,      # hold the request "timeout_seconds" before processing
     "timeout_seconds": 5,
     "drop_rate": 0.0,         # process, commit, then close the connection with no answer
     "duplicate_rate": 0.0,    # process a profile batch twice (a duplicate delivery inside
                               # the national side): the answer is the second pass
     "paths": ["/api/v1/"]}    # only requests whose path starts with one of these

Every request draws from one ``random.Random(seed)`` in arrival order, so a sequential client
sees the same faults on every run. ``/api/v1/health`` is never faulted.
"""

from __future__ import annotations

import json
import random
import threading
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from .. import contract


@dataclass
class Fault:
    """What to do with one request."""

    latency: float = 0.0  # seconds to wait first
    error: bool = False  # 503 before processing
    error_after: bool = False  # 500 after processing
    timeout: float = 0.0  # seconds to hold before processing
    drop: bool = False  # process, then drop the connection
    duplicate: bool = False  # process twice (profile batches)

    @property
    def any(self) -> bool:
        return bool(
            self.latency
            or self.error
            or self.error_after
            or self.timeout
            or self.drop
            or self.duplicate
        )


@dataclass
class FaultPlan:
    seed: int = 0
    latency_ms: float = 0.0
    latency_jitter_ms: float = 0.0
    error_rate: float = 0.0
    error_after_rate: float = 0.0
    timeout_rate: float = 0.0
    timeout_seconds: float = 5.0
    drop_rate: float = 0.0
    duplicate_rate: float = 0.0
    paths: list[str] = field(default_factory=lambda: [contract.API_PREFIX + "/"])

    def __post_init__(self) -> None:
        self._rng = random.Random(self.seed)
        self._lock = threading.Lock()
        self.counts: dict[str, int] = {}
        for name in ("error_rate", "error_after_rate", "timeout_rate", "drop_rate",
                     "duplicate_rate"):  # fmt: skip
            value = getattr(self, name)
            if not 0.0 <= float(value) <= 1.0:
                raise ValueError(f"{name} phải trong khoảng 0–1 (đang là {value}).")

    @property
    def active(self) -> bool:
        return bool(
            self.latency_ms
            or self.latency_jitter_ms
            or self.error_rate
            or self.error_after_rate
            or self.timeout_rate
            or self.drop_rate
            or self.duplicate_rate
        )

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> FaultPlan:
        known = {f.name for f in fields(cls)}
        unknown = set(data) - known
        if unknown:
            raise ValueError(f"Cấu hình lỗi giả lập có khóa lạ: {', '.join(sorted(unknown))}.")
        return cls(**data)

    @classmethod
    def from_config(cls, text: str | None) -> FaultPlan:
        """From JSON text, a JSON file path, or nothing (no faults)."""
        text = (text or "").strip()
        if not text:
            return cls()
        if not text.startswith("{"):
            text = Path(text).read_text(encoding="utf-8")
        return cls.from_dict(json.loads(text))

    def applies(self, path: str) -> bool:
        return path != contract.PATH_HEALTH and any(path.startswith(p) for p in self.paths)

    def decide(self, path: str) -> Fault:
        """Draw the fault of one request (always the same number of draws per request)."""
        if not self.active or not self.applies(path):
            return Fault()
        with self._lock:
            r = [self._rng.random() for _ in range(6)]
        fault = Fault(
            latency=(self.latency_ms + r[0] * self.latency_jitter_ms) / 1000.0,
            error=r[1] < self.error_rate,
        )
        if not fault.error:
            fault.timeout = self.timeout_seconds if r[2] < self.timeout_rate else 0.0
            fault.drop = r[3] < self.drop_rate
            fault.error_after = not fault.drop and r[4] < self.error_after_rate
            fault.duplicate = r[5] < self.duplicate_rate
        for name in ("error", "error_after", "timeout", "drop", "duplicate"):
            if getattr(fault, name):
                self.counts[name] = self.counts.get(name, 0) + 1
        return fault
