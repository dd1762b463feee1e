"""Models of the sync app. Org-tree sync, reconciliation and the dashboard: ``recon_models``."""

from .recon_models import (  # noqa: F401
    Mismatch,
    MismatchDailyCount,
    NationalUnit,
    ProgressSnapshot,
    PullState,
    UnitMatch,
)
