"""The heartbeat's timer (``cbccvc.heartbeat.Wakeup``): it fires after its interval, stops at
once when told, and keeps firing in a process whose clocks are moved a year ahead by
libfaketime (``./run test-clock-ahead``), where a thread lock's timed wait never returns."""

from __future__ import annotations

import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from cbccvc.heartbeat import Wakeup

ROOT = Path(__file__).resolve().parent.parent


def test_the_wait_times_out_unset_and_returns_at_once_when_set() -> None:
    wakeup = Wakeup()
    try:
        started = time.monotonic()
        assert wakeup.wait(0.05) is False
        assert time.monotonic() - started >= 0.04

        def set_soon() -> None:  # not threading.Timer: its timed wait is what Wakeup avoids
            time.sleep(0.05)
            wakeup.set()

        threading.Thread(target=set_soon, daemon=True).start()
        assert wakeup.wait(30) is True  # woken by the other thread, not by the timeout
        assert wakeup.wait(0) is True and wakeup.wait(30) is True  # stays set
        wakeup.set()  # twice is harmless
    finally:
        wakeup.close()


PROBE = """
import datetime, threading, time
from cbccvc.heartbeat import Wakeup
print(int(time.time()))
wakeup, fired = Wakeup(), []
def timer():
    while not wakeup.wait(0.05):
        fired.append(1)
thread = threading.Thread(target=timer, daemon=True)
thread.start()
time.sleep(0.5)
wakeup.set()
thread.join(5)
print(len(fired), thread.is_alive())
"""


def test_the_timer_fires_with_the_clock_a_year_ahead() -> None:
    libraries = sorted(Path("/usr/lib").glob("*/faketime/libfaketimeMT.so.1"))
    if not libraries:
        if os.environ.get("CI"):
            pytest.fail("libfaketime is missing: ./run setup installs it")
        pytest.skip("libfaketime is not installed (./run setup installs it)")
    # a year ahead of this process's clock (itself moved when the suite runs under libfaketime)
    ahead = int(os.environ.get("FAKETIME", "+0d").strip("+d") or 0) + 365
    env = dict(os.environ, LD_PRELOAD=str(libraries[0]), FAKETIME=f"+{ahead}d")
    env["PYTHONPATH"] = str(ROOT)
    done = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=60
    )
    assert done.returncode == 0, done.stderr
    seen, line = done.stdout.split("\n", 1)
    fired, alive = line.split()
    assert int(seen) - time.time() > 360 * 86400  # the probe saw the moved clock
    assert int(fired) >= 3 and alive == "False"
