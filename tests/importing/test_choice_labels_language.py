"""The import reads, and the Excel export writes, a field's choices by their Vietnamese names
whatever the user's language: the labels are translatable for the screen (issue 17), the files
and the stored import report are Vietnamese."""

from __future__ import annotations

import pytest
from django.utils import translation

from profiles.models import Training
from transfer.cleaning import choice_value
from transfer.export import choice_labels


def test_the_screen_label_is_english_in_english():
    with translation.override("en"):
        assert str(Training.Kind.IT.label) == "Information technology"


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_import_reads_the_vietnamese_name_in_every_language(language):
    with translation.override(language):
        assert choice_value(Training, "kind", "Tin học") == "it"
        assert choice_value(Training, "kind", "political_theory") == "political_theory"
        with pytest.raises(ValueError) as refused:
            choice_value(Training, "kind", "Information technology")
    assert "Lý luận chính trị" in str(refused.value) and "Political" not in str(refused.value)


@pytest.mark.parametrize("language", ["vi", "en"])
def test_the_export_writes_the_vietnamese_name_in_every_language(language):
    with translation.override(language):
        labels = choice_labels(Training, "kind")
    assert labels["it"] == "Tin học" and labels["state_management"] == "Quản lý nhà nước"
