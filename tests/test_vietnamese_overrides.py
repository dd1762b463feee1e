"""Django's Vietnamese admin strings that read awkwardly are overridden in locale/vi (issue 17:
"0 của 50 được chọn", "Đi đến")."""

from __future__ import annotations

import json

import pytest
from django.test import RequestFactory
from django.utils import translation
from django.utils.translation import gettext
from django.views.i18n import JavaScriptCatalog

pytestmark = pytest.mark.database_free


def test_action_bar_reads_naturally() -> None:
    with translation.override("vi"):
        assert gettext("Go") == "Thực hiện"
        assert gettext("0 of %(cnt)s selected") % {"cnt": 50} == "Đã chọn 0/50"
        assert gettext("Run the selected action") == "Thực hiện thao tác đã chọn"


def test_the_javascript_counter_reads_naturally() -> None:
    """The admin's JavaScript catalog (what /admin/jsi18n/ serves) has the override."""
    catalog = JavaScriptCatalog.as_view(packages=["django.contrib.admin"])
    with translation.override("vi"):
        response = catalog(RequestFactory().get("/admin/jsi18n/"))
    assert response.status_code == 200
    script = response.content.decode()  # type: ignore[attr-defined]
    # the catalog is JSON inside the script, non-ASCII letters escaped
    assert json.dumps("Đã chọn %(sel)s/%(cnt)s")[1:-1] in script
    assert json.dumps("được chọn")[1:-1] not in script
