"""Signals other apps use to follow tree operations (profiles re-home their people).

Each is sent inside the operation's transaction, after the tree is changed; a receiver that
raises rolls the whole operation back, so nothing is half-done.

* ``units_merged(sender=Unit, event, sources: list[Unit], target: Unit)``
* ``unit_split(sender=Unit, event, source: Unit, targets: list[Unit],
  child_mapping: dict[int, int])`` — child unit id → target unit id for assigned children.
* ``unit_dissolved(sender=Unit, event, unit: Unit)``
* ``unit_moved(sender=Unit, event, unit: Unit, old_parent: Unit | None, new_parent: Unit)``
"""

from django.dispatch import Signal

units_merged = Signal()
unit_split = Signal()
unit_dissolved = Signal()
unit_moved = Signal()
