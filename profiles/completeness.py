"""The completeness-by-unit page: sortable, searchable, each count a link to its profiles.

The rows come from :func:`profiles.validation.unit_completeness` over the user's own profiles
(the admin's scoped queryset), so a unit outside the user's part of the tree never appears.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.http import HttpRequest
from django.urls import reverse

from orgtree.text import fold

#: sort keys offered by the column headers, and the row value each sorts by
SORT_KEYS: dict[str, str] = {
    "code": "unit__code",
    "name": "unit__name",
    "profiles": "profiles",
    "completeness": "completeness",
    "errors": "with_errors",
}


def _matches(row: dict[str, Any], words: list[str]) -> bool:
    text = f"{fold(row['unit__name'] or '')} {(row['unit__code'] or '').lower()}"
    return all(word in text for word in words)


def page_context(request: HttpRequest, rows: list[dict[str, Any]]) -> dict[str, Any]:
    """Search (``q``, without regard to diacritics), sort (``o``, "-" for descending) and links."""
    query = (request.GET.get("q") or "").strip()
    words = [fold(w) or w.lower() for w in query.split()]
    if words:
        rows = [r for r in rows if _matches(r, words)]
    order = request.GET.get("o") or "code"
    descending = order.startswith("-")
    key = SORT_KEYS.get(order.lstrip("-"), SORT_KEYS["code"])
    rows = sorted(rows, key=lambda r: (r[key] is None, r[key] if r[key] is not None else 0))
    if descending:
        rows.reverse()
    changelist = reverse("admin:profiles_profile_changelist")
    for row in rows:
        unit = {"unit_tree": row["unit_id"], "unit_tree_own": "1"}
        row["profiles_url"] = f"{changelist}?{urlencode(unit)}"
        row["errors_url"] = f"{changelist}?{urlencode({**unit, 'findings': 'errors'})}"
    current = order.lstrip("-")
    headers = []
    for name in SORT_KEYS:
        flip = f"-{name}" if name == current and not descending else name
        params = {"o": flip, **({"q": query} if query else {})}
        headers.append(
            {
                "key": name,
                "url": f"?{urlencode(params)}",
                "sorted": "descending" if name == current and descending else
                ("ascending" if name == current else ""),
            }
        )  # fmt: skip
    return {"rows": rows, "query": query, "headers": {h["key"]: h for h in headers}}
