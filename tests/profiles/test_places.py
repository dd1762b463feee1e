"""The place resolver (``orgtree.places``) is written in another branch. Without it, profiles
stay unresolved and say so; with it, :func:`resolve_profile_places` fills codes and flags.

The second test installs a stand-in module with the agreed interface (an object with
``.province``/``.commune`` dicts and ``.needs_review``) to check our side of the contract.
"""

import sys
import types
from dataclasses import dataclass

import pytest

from profiles.models import Finding, Profile
from profiles.places import resolve_profile_places


def test_without_resolver_places_stay_unresolved(make_profile):
    if "orgtree.places" in sys.modules or _importable("orgtree.places"):
        pytest.fail("orgtree.places exists in this branch: replace this test by a real one")
    p = make_profile(hometown_text="Hà Tây", hometown_province_code="")
    assert resolve_profile_places(p) is False
    assert Finding.objects.filter(profile=p, code="PLACE_UNRESOLVED", field="hometown_text")


def _importable(name: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(name) is not None


@dataclass
class _Result:
    province: dict | None
    commune: dict | None
    needs_review: bool
    confidence: float = 1.0
    candidates: tuple = ()


def test_with_the_resolver_interface_codes_and_review_flags_are_filled(make_profile, monkeypatch):
    answers = {
        "Hà Tây": _Result({"code": "01", "name": "Hà Nội"}, None, False),
        "Xã Tân Lập": _Result(None, None, True),
    }
    module = types.ModuleType("orgtree.places")
    module.resolve_place = lambda text, as_of=None: answers[text]
    monkeypatch.setitem(sys.modules, "orgtree.places", module)
    p = make_profile(birthplace_text="Hà Tây", birthplace_province_code="",
                     hometown_text="Xã Tân Lập", hometown_province_code="")  # fmt: skip
    p = Profile.objects.get(pk=p.pk)
    assert (p.birthplace_province_code, p.birthplace_needs_review) == ("01", False)
    assert (p.hometown_province_code, p.hometown_needs_review) == ("", True)
    assert Finding.objects.filter(profile=p, code="PLACE_REVIEW", field="hometown_text")
    # unchanged texts are not resolved again on the next save
    module.resolve_place = lambda text, as_of=None: pytest.fail("resolved again")
    p.other_names = "Út"
    p.save()
