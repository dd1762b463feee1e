"""Resolving birthplace and home town text to administrative units.

The only call from the profiles app to the place resolver (:func:`orgtree.places.resolve_place`).
An answer the resolver is not sure of (a split old commune, an ambiguous name) keeps its codes
empty and sets the review flag, which validation reports ("cần người xác định").
"""

from __future__ import annotations

from orgtree.places import resolve_place

from .models import Profile

PLACE_FIELDS = ("birthplace", "hometown")


def resolve_profile_places(profile: Profile) -> None:
    """Fill the province/commune codes and the review flags from the original texts, in memory."""
    for prefix in PLACE_FIELDS:
        text = getattr(profile, f"{prefix}_text")
        if not text:
            setattr(profile, f"{prefix}_province_code", "")
            setattr(profile, f"{prefix}_commune_code", "")
            setattr(profile, f"{prefix}_needs_review", False)
            continue
        result = resolve_place(text)
        province = result.province or {}
        commune = result.commune or {}
        setattr(profile, f"{prefix}_province_code", province.get("code", ""))
        setattr(profile, f"{prefix}_commune_code", commune.get("code", ""))
        setattr(profile, f"{prefix}_needs_review", result.needs_review)
