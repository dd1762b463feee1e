"""Project rule (issue 13): who changed what and why is written in one place.

simple-history takes a history row's user and reason from ``_history_user`` and
``_change_reason`` on the instance. Only the history plumbing (:mod:`cbccvc.history`) and the
profile actions (:mod:`profiles.actions`) may set them; every other module calls those. A
module that still set them by hand would be listed below with why; the list may only shrink
(an entry that no longer needs its exception makes the test fail).
Migrations and tests are not checked.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = (
    "cbccvc",
    "orgtree",
    "signing",
    "profiles",
    "transfer",
    "syncing",
    "conversion",
    "portal",
)
PATTERN = re.compile(r"\b(?:_history_user|_change_reason)\b")

ALLOWED = {
    "cbccvc/history.py",  # the plumbing: attribute(), save_with_history()
    "profiles/actions.py",  # the actions (builds on cbccvc.history; documents the rule)
    # bulk history rows built like simple-history's bulk_history_create, reading the reason
    # the bulk actions set (profiles.actions.do_bulk_create_rows/do_bulk_update_rows)
    "profiles/bulkio.py",
}

# Known debt, to be moved to cbccvc.history / profiles.actions, never added to (none left):
EXCEPTIONS: set[str] = set()


def _offenders() -> set[str]:
    found = set()
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            rel = path.relative_to(ROOT).as_posix()
            if "/migrations/" in rel:
                continue
            if PATTERN.search(path.read_text(encoding="utf-8")):
                found.add(rel)
    return found


def test_history_attributes_are_set_only_by_the_plumbing_and_the_actions():
    extra = _offenders() - ALLOWED - EXCEPTIONS
    assert not extra, (
        f"{sorted(extra)} set _history_user/_change_reason by hand: write through "
        "profiles.actions (profiles and their child rows) or cbccvc.history (other records)"
    )


def test_the_list_of_exceptions_only_shrinks():
    offenders = _offenders()
    fixed = {rel for rel in EXCEPTIONS if (ROOT / rel).exists() and rel not in offenders}
    assert not fixed, f"{sorted(fixed)} no longer need their exception: take them off the list"


def test_the_rule_sees_a_hand_written_attribute():
    assert PATTERN.search("obj._change_reason = 'x'")
    assert PATTERN.search("obj._history_user = user")
    assert not PATTERN.search("get_change_reason_from_object(obj)")  # simple-history's own API
