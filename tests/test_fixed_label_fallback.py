"""A stored choice without a fixed Vietnamese name: the signed document refuses it, a printed
form (Mẫu 2C) shows the value as stored."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured

from profiles.fixed_labels import choice_label

pytestmark = pytest.mark.database_free


def test_a_stored_value_without_a_name_fails_the_document_but_not_the_printed_form():
    with pytest.raises(ImproperlyConfigured, match=r"trainings\.kind = 'old_kind'"):
        choice_label("trainings", "kind", "old_kind")
    assert choice_label("trainings", "kind", "old_kind", default="old_kind") == "old_kind"
    assert choice_label("trainings", "kind", "old_kind", default="x") == "x"
