"""The unit tree's "Xuất Excel" in the background (:mod:`cbccvc.exports`): the active units
inside the user's scope as the task finds them, written as the synchronous export writes them."""

from __future__ import annotations

from collections.abc import Callable
from typing import IO

from cbccvc.exports.models import ExportFile

#: the writer's dotted path: the kind of these exports
KIND = "orgtree.export_jobs.write_units_xlsx"


def write_units_xlsx(
    export: ExportFile, out: IO[bytes], progress: Callable[[int, int], None]
) -> int:
    from .access import scope_for
    from .unit_io import export_units

    progress(0, export.total)
    return export_units(out, scope=scope_for(export.user))
