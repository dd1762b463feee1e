"""Resolving birthplace and home town text to administrative units.

The only call from the profiles app to the place resolver (:func:`orgtree.places.resolve_place`).
An answer the resolver is not sure of (a split old commune, an ambiguous name) keeps its codes
empty and sets the review flag, which validation reports ("cần người xác định").
"""

from __future__ import annotations

from typing import NamedTuple

from orgtree.places import resolve_place

from .models import Profile


class PlaceColumns(NamedTuple):
    """A profile's columns for one place: the text, the province and commune codes read from
    it, the review flag (None for a place whose text is not resolved on save) and the text as
    written before a reform conversion replaced it."""

    text: str
    province_code: str
    commune_code: str
    needs_review: str | None
    original: str


#: place -> its columns on :class:`Profile`; the one table of them, for the profile admin
#: (the original texts shown) and the reform conversion (whose field names are these keys)
PROFILE_PLACES: dict[str, PlaceColumns] = {
    "birthplace": PlaceColumns(
        "birthplace_text",
        "birthplace_province_code",
        "birthplace_commune_code",
        "birthplace_needs_review",
        "birthplace_original",
    ),
    "hometown": PlaceColumns(
        "hometown_text",
        "hometown_province_code",
        "hometown_commune_code",
        "hometown_needs_review",
        "hometown_original",
    ),
    "permanent_residence": PlaceColumns(
        "permanent_residence",
        "permanent_residence_province_code",
        "permanent_residence_commune_code",
        None,
        "permanent_residence_original",
    ),
    "current_residence": PlaceColumns(
        "current_residence",
        "current_residence_province_code",
        "current_residence_commune_code",
        None,
        "current_residence_original",
    ),
}

#: the places resolved to units when a profile is saved: those with a review flag
RESOLVED_PLACES = tuple(p for p, columns in PROFILE_PLACES.items() if columns.needs_review)


def resolve_profile_places(profile: Profile) -> None:
    """Fill the province/commune codes and the review flags from the original texts, in memory."""
    for place in RESOLVED_PLACES:
        columns = PROFILE_PLACES[place]
        assert columns.needs_review is not None
        text = getattr(profile, columns.text)
        if not text:
            setattr(profile, columns.province_code, "")
            setattr(profile, columns.commune_code, "")
            setattr(profile, columns.needs_review, False)
            continue
        result = resolve_place(text)
        province = result.province or {}
        commune = result.commune or {}
        setattr(profile, columns.province_code, province.get("code", ""))
        setattr(profile, columns.commune_code, commune.get("code", ""))
        setattr(profile, columns.needs_review, result.needs_review)
