"""History plumbing: who made a change and why, for simple-history.

simple-history writes the user and the reason of a row's next history record from two
attributes of the instance (``_history_user``, ``_change_reason``). Only this module and the
profile actions (:mod:`profiles.actions`, which build on it) set them; every other write
calls :func:`save_with_history` (or :func:`attribute` before a bulk history insert), so a
project test can check that no module sets them by hand (``tests/test_history_rule.py``).
"""

from __future__ import annotations

from typing import Any


def attribute(obj: Any, *, acting_user: Any, reason: str) -> None:
    """What simple-history writes into the history row of ``obj``'s next save or delete (or a
    bulk history insert): the acting user (ignored when it is not a saved user: a system
    run) and the reason, cut to the column's 100 characters (none when empty)."""
    if reason:
        obj._change_reason = reason[:100]
    if getattr(acting_user, "pk", None) is not None:
        obj._history_user = acting_user


def save_with_history(obj: Any, *, acting_user: Any, reason: str, **save_kwargs: Any) -> None:
    """Save ``obj`` with its history row attributed (see :func:`attribute`)."""
    attribute(obj, acting_user=acting_user, reason=reason)
    obj.save(**save_kwargs)


def delete_with_history(obj: Any, *, acting_user: Any, reason: str) -> None:
    """Delete ``obj`` with its history row attributed (see :func:`attribute`)."""
    attribute(obj, acting_user=acting_user, reason=reason)
    obj.delete()
