"""The form every signing page asks: which of the user's own keys, and its PIN."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from .models import SigningCredential


class SignWithKeyForm(forms.Form):
    """A choice among the user's active keys (never another person's) and the key's PIN."""

    credential = forms.ModelChoiceField(
        label=_("Khóa ký số"), queryset=SigningCredential.objects.none(), empty_label=None
    )
    pin = forms.CharField(
        label=_("Mã PIN"),
        widget=forms.PasswordInput(render_value=False),
        max_length=64,
        strip=False,
    )

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = self.fields["credential"]
        assert isinstance(field, forms.ModelChoiceField)
        field.queryset = SigningCredential.objects.filter(owner=user, active=True)
