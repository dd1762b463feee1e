"""Send the emulator's models (app label ``national``) to the ``national`` database, and
nothing else there."""

from __future__ import annotations

from typing import Any

NATIONAL_APP = "national"
NATIONAL_DB = "national"


class NationalRouter:
    def db_for_read(self, model: type, **hints: Any) -> str | None:
        return NATIONAL_DB if model._meta.app_label == NATIONAL_APP else None

    db_for_write = db_for_read

    def allow_relation(self, obj1: Any, obj2: Any, **hints: Any) -> bool | None:
        national = {obj1._meta.app_label == NATIONAL_APP, obj2._meta.app_label == NATIONAL_APP}
        if national == {True}:
            return True
        if national == {True, False}:
            return False
        return None

    def allow_migrate(self, db: str, app_label: str, **hints: Any) -> bool | None:
        if app_label == NATIONAL_APP:
            return db == NATIONAL_DB
        if db == NATIONAL_DB:
            return False
        return None
