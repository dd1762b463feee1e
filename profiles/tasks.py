"""Background tasks (django-q2): bulk validation."""

from __future__ import annotations

from django_q.tasks import async_task

from orgtree.models import Unit
from orgtree.tree import subtree_q

from .models import Profile
from .validation import validate_profiles


def profiles_of(unit_code: str | None):
    if not unit_code:
        return Profile.objects.all()
    unit = Unit.objects.filter(code=unit_code.strip().upper(), status=Unit.Status.ACTIVE).first()
    if unit is None:
        raise ValueError(f"Không có đơn vị đang hoạt động mã “{unit_code}”.")
    return Profile.objects.filter(subtree_q(unit, "unit"))


def validate_profiles_task(unit_code: str | None = None) -> dict[str, float]:
    """The task body: validate every profile (of ``unit_code``'s subtree) and return counts."""
    run = validate_profiles(profiles_of(unit_code))
    return {
        "profiles": run.profiles,
        "errors": run.errors,
        "warnings": run.warnings,
        "seconds": round(run.seconds, 2),
    }


def schedule_validation(unit_code: str | None = None, sync: bool = False) -> str:
    """Queue the bulk validation on the django-q2 cluster; returns the task id."""
    return async_task(
        "profiles.tasks.validate_profiles_task",
        unit_code,
        task_name=f"Kiểm tra dữ liệu hồ sơ {unit_code or 'toàn bộ'}",
        sync=sync,
    )
