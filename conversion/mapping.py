"""The shipped old → new position and title mapping (:class:`~conversion.models.CodeMapping`).

:func:`load_mapping` reads ``conversion/data/code-mapping-*.json`` and adds the rows the table
lacks; rows already there (perhaps edited by the national admin) are left alone. The data
migration calls it, so every database starts with the 2025 starter table.
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

DATA_DIR = Path(__file__).resolve().parent / "data"


def mapping_files(directory: Path | None = None) -> list[Path]:
    return sorted(Path(directory or DATA_DIR).glob("code-mapping-*.json"))


def load_mapping(model: Any = None, directory: Path | None = None) -> int:
    """Add the shipped rows missing from ``model`` (default :class:`CodeMapping`); the count."""
    if model is None:
        from .models import CodeMapping as model
    added = 0
    for path in mapping_files(directory):
        data = json.loads(path.read_text(encoding="utf-8"))
        since = date.fromisoformat(data["effective_from"])
        source = f"{data['source']} (tệp {path.name})"
        for item in data["items"]:
            _row, created = model.objects.get_or_create(
                list_key=item["list"],
                old_code=item["old_code"],
                effective_from=since,
                defaults={
                    "old_name": item.get("old_name", ""),
                    "new_code": item.get("new_code", ""),
                    "candidates": item.get("candidates", []),
                    "source": source,
                    "note": item.get("note", ""),
                },
            )
            added += created
    return added
