"""Process-wide state of the emulator: the fault plan and the per-key rate limiter."""

from __future__ import annotations

import math
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.utils import timezone

from .faults import FaultPlan


@dataclass
class _Bucket:
    tokens: float
    updated: float


class RateLimiter:
    """A token bucket per key: ``limit`` requests per minute, bursts up to ``limit``."""

    def __init__(self) -> None:
        self._buckets: dict[str, _Bucket] = {}
        self._lock = threading.Lock()

    def take(self, key_id: str, limit_per_minute: int) -> float:
        """Take one token; return 0 when allowed, else the seconds to wait (Retry-After)."""
        if limit_per_minute <= 0:
            return 0.0
        rate = limit_per_minute / 60.0
        now = time.monotonic()
        with self._lock:
            bucket = self._buckets.get(key_id)
            if bucket is None:
                bucket = self._buckets[key_id] = _Bucket(float(limit_per_minute), now)
            bucket.tokens = min(
                float(limit_per_minute), bucket.tokens + (now - bucket.updated) * rate
            )
            bucket.updated = now
            if bucket.tokens >= 1.0:
                bucket.tokens -= 1.0
                return 0.0
            return (1.0 - bucket.tokens) / rate

    @staticmethod
    def retry_after_header(wait: float) -> str:
        return str(max(1, math.ceil(wait)))

    def reset(self) -> None:
        with self._lock:
            self._buckets.clear()


class EmulatorState:
    def __init__(self) -> None:
        self.faults = FaultPlan.from_config(getattr(settings, "NATIONAL_FAULTS", ""))
        self.limiter = RateLimiter()
        # the ministry's clock for what it judges by date (a report's signature, its receipt):
        # tests set a fixed one, never depending on today's date
        self.clock: Callable[[], datetime] = timezone.now

    def reset(self, faults: FaultPlan | None = None) -> None:
        self.faults = faults or FaultPlan()
        self.limiter.reset()
        self.clock = timezone.now


state = EmulatorState()
