"""Resolving birthplace and home town text to administrative units.

The only call to the place resolver (``orgtree.places.resolve_place``, written in the org-tree
work). Without it the profile stays unresolved and validation reports it ("chưa được đối
chiếu"); nothing else in the profiles app knows the resolver.
"""

from __future__ import annotations

from .models import Profile

PLACE_FIELDS = ("birthplace", "hometown")


def _resolver():
    try:
        from orgtree.places import resolve_place
    except ImportError:
        return None
    return resolve_place


def resolve_profile_places(profile: Profile) -> bool:
    """Fill the province/commune codes and the review flags from the original texts, in memory.

    Returns False when no resolver is installed (the codes are left as they are).
    """
    resolve = _resolver()
    if resolve is None:
        return False
    for prefix in PLACE_FIELDS:
        text = getattr(profile, f"{prefix}_text")
        if not text:
            setattr(profile, f"{prefix}_province_code", "")
            setattr(profile, f"{prefix}_commune_code", "")
            setattr(profile, f"{prefix}_needs_review", False)
            continue
        result = resolve(text)
        province = getattr(result, "province", None) or {}
        commune = getattr(result, "commune", None) or {}
        setattr(profile, f"{prefix}_province_code", province.get("code", ""))
        setattr(profile, f"{prefix}_commune_code", commune.get("code", ""))
        setattr(profile, f"{prefix}_needs_review", bool(getattr(result, "needs_review", True)))
    return True
