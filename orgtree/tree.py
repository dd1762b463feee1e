"""The one small interface to the org tree that other apps use.

Everything that knows the tree is stored with django-mptt (``tree_id``/``lft``/``rght``) stays
in this module, so that moving to another representation (PostgreSQL ltree, a closure table)
touches only this file, as NetBox's move from MPTT showed.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db import connection
from django.db.models import Q, QuerySet

from .models import Unit, UnitPeriod, UnitSuccession

__all__ = [
    "TreeNode",
    "descendants",
    "is_within",
    "lock_tree",
    "rehome",
    "subtree_q",
    "subtrees_q",
    "successors",
    "tree_as_of",
]

NOTHING = Q(pk__in=[])


def _prefix(field_name: str) -> str:
    return f"{field_name}__" if field_name else ""


def subtree_q(root: Unit, field_name: str = "") -> Q:
    """Q matching rows whose unit (``field_name``, or the Unit itself) is ``root`` or below it.

    ``root`` must carry fresh tree fields (load it again after a tree operation).
    """
    p = _prefix(field_name)
    return Q(**{f"{p}tree_id": root.tree_id, f"{p}lft__gte": root.lft, f"{p}rght__lte": root.rght})


def subtrees_q(roots: Iterable[Unit], field_name: str = "") -> Q:
    q = NOTHING
    for root in roots:
        q |= subtree_q(root, field_name)
    return q


def descendants(root: Unit, include_self: bool = True) -> QuerySet[Unit]:
    return root.get_descendants(include_self=include_self)


def is_within(unit: Unit, root: Unit) -> bool:
    """True when ``unit`` is ``root`` or one of its descendants."""
    return unit.tree_id == root.tree_id and root.lft <= unit.lft and unit.rght <= root.rght


@dataclass
class TreeNode:
    unit_id: int
    name: str
    code: str
    kind: str
    parent_id: int | None
    children: list[TreeNode] = field(default_factory=list)


def tree_as_of(on: date, root: Unit | None = None) -> list[TreeNode]:
    """The tree as it stood on ``on``, from the recorded periods: a list of root nodes.

    One query. With ``root``, only that unit's subtree as of the date (empty when the unit did
    not exist then). A unit whose parent was closed while it stayed (children of a split unit
    left for review) is a root from the closing date on.
    """
    periods = (
        UnitPeriod.objects.filter(valid_from__lte=on)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
        .values_list("unit_id", "name", "code", "kind", "parent_id")
        .order_by("name", "unit_id")
    )
    nodes = {row[0]: TreeNode(*row) for row in periods}
    roots: list[TreeNode] = []
    for node in nodes.values():
        parent = nodes.get(node.parent_id) if node.parent_id else None
        if parent is None:
            roots.append(node)
        else:
            parent.children.append(node)
    if root is not None:
        return [nodes[root.pk]] if root.pk in nodes else []
    return roots


def successors(unit: Unit) -> list[Unit]:
    """Where ``unit`` went: the units at the end of its successor chain.

    Follows merges and splits through several reforms; returns ``[unit]`` when it is still
    active and never succeeded (or was dissolved without successor: the chain ends there).
    Cycles in bad data are cut.
    """
    seen = {unit.pk}
    frontier = [unit.pk]
    ends: list[int] = []
    while frontier:
        nxt: dict[int, list[int]] = {}
        for pred, succ in UnitSuccession.objects.filter(predecessor_id__in=frontier).values_list(
            "predecessor_id", "successor_id"
        ):
            nxt.setdefault(pred, []).append(succ)
        current, frontier = frontier, []
        for pk in current:
            if pk not in nxt:
                ends.append(pk)
                continue
            for succ in nxt[pk]:
                if succ not in seen:
                    seen.add(succ)
                    frontier.append(succ)
    units = Unit.objects.in_bulk(ends)
    return [units[pk] for pk in ends if pk in units]


# Key of the PostgreSQL advisory lock that serialises writes to the tree (any 64-bit number
# that no other code uses; "cbccvc tree" in ASCII).
TREE_LOCK_KEY = 0x636263637674


def lock_tree() -> None:
    """Serialise tree writes until the current transaction ends.

    django-mptt renumbers whole trees, so two operations interleaving could corrupt the
    nested-set fields. PostgreSQL: a transaction-scoped advisory lock. SQLite already runs one
    writer at a time (the settings open IMMEDIATE transactions).
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [TREE_LOCK_KEY])


def rehome(moves: Iterable[tuple[Unit, Unit]]) -> None:
    """Re-parent several units (with their subtrees) at once, for merges and splits.

    Moving units one by one costs django-mptt one pass over the whole tree per unit; here the
    parent links are written first and the affected trees are renumbered once, writing only
    the rows whose tree fields change. Among the new parent's children a moved unit takes its
    place by name (the model's ``order_insertion_by``), existing children keep their order.
    Call inside a transaction; the in-memory units given get their new tree fields.
    """
    moves = list(moves)
    if not moves:
        return
    children = [child for child, _ in moves]
    ids = [child.pk for child in children] + [parent.pk for _, parent in moves]
    fresh = {u.pk: u for u in Unit.objects.filter(pk__in=ids).only("pk", "tree_id")}
    trees = {fresh[pk].tree_id for pk in ids}
    for child, parent in moves:
        child.parent = parent
    Unit.objects.bulk_update(children, ["parent"], batch_size=500)
    moved = {child.pk for child in children}

    rows = list(
        Unit.objects.filter(tree_id__in=trees)
        .order_by("tree_id", "lft")
        .values_list("pk", "parent_id", "name", "tree_id", "lft", "rght", "level")
    )
    by_pk = {row[0]: row for row in rows}
    kids: dict[int | None, list[int]] = {}
    for row in rows:  # in old tree order, so existing siblings keep their order
        if row[0] not in moved:
            kids.setdefault(row[1] if row[1] in by_pk else None, []).append(row[0])
    for child in sorted(children, key=lambda c: (by_pk[c.pk][2], c.pk)):
        siblings = kids.setdefault(child.parent_id, [])
        name = by_pk[child.pk][2]
        at = next((i for i, pk in enumerate(siblings) if by_pk[pk][2] > name), len(siblings))
        siblings.insert(at, child.pk)

    new_fields: dict[int, tuple[int, int, int, int]] = {}
    for root in kids.get(None, []):
        tree_id = by_pk[root][3]
        counter = 1
        stack: list[tuple[int, int, bool]] = [(root, 0, False)]
        lefts: dict[int, int] = {}
        while stack:
            pk, level, done = stack.pop()
            if done:
                new_fields[pk] = (tree_id, lefts[pk], counter, level)
                counter += 1
                continue
            lefts[pk] = counter
            counter += 1
            stack.append((pk, level, True))
            for child_pk in reversed(kids.get(pk, [])):
                stack.append((child_pk, level + 1, False))
    if len(new_fields) != len(rows):
        raise RuntimeError("Cây đơn vị không nhất quán (vòng lặp hoặc đơn vị mồ côi).")

    changed = [
        (tree_id, lft, rght, level, pk)
        for pk, (tree_id, lft, rght, level) in new_fields.items()
        if by_pk[pk][3:7] != (tree_id, lft, rght, level)
    ]
    # One prepared single-row UPDATE per changed row (executemany) is far cheaper than
    # Django's bulk_update, whose CASE over hundreds of ids is evaluated for every row.
    quote = connection.ops.quote_name
    sql = (
        f"UPDATE {quote(Unit._meta.db_table)} SET {quote('tree_id')} = %s, {quote('lft')} = %s, "
        f"{quote('rght')} = %s, {quote('level')} = %s WHERE {quote('id')} = %s"
    )
    with connection.cursor() as cursor:
        cursor.executemany(sql, changed)
    for child in children:
        child.tree_id, child.lft, child.rght, child.level = new_fields[child.pk]
