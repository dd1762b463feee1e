"""Small tasks for operating the platform (the queue's own check)."""

from __future__ import annotations

import os
import time


def queue_probe(redis_url: str, key: str, number: int, pause: float = 0.05) -> str:
    """Record which worker host ran task ``number`` (``CBCCVC_WORKER_LABEL``, else the host
    name and pid) in the Redis list ``key``: shows how tasks spread over worker hosts."""
    import redis

    label = os.environ.get("CBCCVC_WORKER_LABEL") or f"{os.uname().nodename}:{os.getpid()}"
    time.sleep(pause)
    redis.Redis.from_url(redis_url).rpush(key, f"{label}|{number}")
    return label
