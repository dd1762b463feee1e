"""English pages show and read dates as dd/mm/yyyy, like the Vietnamese ones
(cbccvc/formats/en/formats.py): the same papers, the same people typing them."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest
from django import forms
from django.utils import formats, translation

pytestmark = pytest.mark.database_free


class _Form(forms.Form):
    born = forms.DateField()
    coefficient = forms.DecimalField(localize=True)


@pytest.mark.parametrize("language", ["en", "vi"])
def test_dates_are_shown_day_first(language: str) -> None:
    with translation.override(language):
        assert formats.date_format(date(1985, 3, 14)) == "14/03/1985"
        assert formats.date_format(date(1985, 3, 14), "SHORT_DATE_FORMAT") == "14/03/1985"
        assert _Form(initial={"born": date(1985, 4, 3)})["born"].value() == date(1985, 4, 3)
        assert 'value="03/04/1985"' in str(_Form(initial={"born": date(1985, 4, 3)})["born"])


@pytest.mark.parametrize("language", ["en", "vi"])
def test_typed_dates_are_read_day_first(language: str) -> None:
    with translation.override(language):
        form = _Form({"born": "03/04/1985", "coefficient": "1"})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["born"] == date(1985, 4, 3)  # 3 April, not 4 March


def test_english_numbers_keep_english_separators() -> None:
    with translation.override("en"):
        form = _Form({"born": "1985-04-03", "coefficient": "2.34"})
        assert form.is_valid(), form.errors
        assert form.cleaned_data["coefficient"] == Decimal("2.34")
        assert formats.date_format(datetime(2026, 7, 1, 8, 5), "DATETIME_FORMAT") == (
            "01/07/2026 08:05"
        )
