"""Admin of the profiles app; importing a module registers its ModelAdmins."""

from .signing import admin as signing_admin  # noqa: F401
