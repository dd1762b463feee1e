"""The org tree's choices are translatable for the screen (issue 17); what is stored or read
back stays Vietnamese whatever the user's language: the history reason of a change, the unit
kinds in the Excel export and in the import, the refusal of a closed unit."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.utils import translation

from orgtree import services
from orgtree.models import Unit, UnitChangeEvent
from tests.orgtree.test_tree_services import D2024, province, reload  # noqa: F401
from tests.orgtree.test_unit_io import HEADERS, export_bytes, sheet_rows, xlsx


def test_the_labels_are_english_on_an_english_screen():
    with translation.override("en"):
        assert str(Unit.Kind.DEPARTMENT.label) == "Provincial department or equivalent"
        assert str(UnitChangeEvent.Kind.RENAME.label) == "Renamed or recoded"


def test_a_change_made_in_english_is_recorded_in_vietnamese(province):  # noqa: F811
    with translation.override("en"):
        services.update_unit(
            province["a"], effective_date=D2024, name="Sở Nội vụ và Lao động", reason="Đổi tên"
        )
    reason = reload(province["a"]).history.first().history_change_reason
    assert reason.startswith("Đổi tên, đổi mã (") and "Renamed" not in reason


def test_a_closed_unit_is_refused_in_vietnamese_in_english(province):  # noqa: F811
    services.dissolve_unit(province["b"], effective_date=D2024)
    with translation.override("en"), pytest.raises(ValidationError) as refused:
        services.update_unit(reload(province["b"]), effective_date=date(2024, 6, 1), name="X")
    assert "giải thể từ" in str(refused.value) and "issolved" not in str(refused.value)


@pytest.mark.django_db
def test_the_unit_file_is_written_and_read_in_vietnamese_in_english():
    row = ["H77", "UBND tỉnh Thử", "", "UBND tỉnh, thành phố trực thuộc trung ương", "", "",
           "01/01/2020", "", ""]  # fmt: skip
    from orgtree.unit_io import import_units

    with translation.override("en"):
        result = import_units(xlsx([row]))
        exported = sheet_rows(export_bytes())
    assert result.ok, result.errors
    assert Unit.objects.get(code="H77").kind == Unit.Kind.PROVINCE_PC
    kinds = {r[HEADERS.index("Loại đơn vị")] for r in exported[1:]}
    assert kinds == {"UBND tỉnh, thành phố trực thuộc trung ương"}


def test_the_security_log_names_a_role_in_vietnamese_in_english(province, django_user_model):  # noqa: F811
    from cbccvc.audit import record
    from cbccvc.models import AuditEvent
    from orgtree.models import Role, UnitAssignment

    user = django_user_model.objects.create_user("canbo")
    assignment = UnitAssignment.objects.create(user=user, unit=province["a"], role=Role.VIEWER)
    with translation.override("en"):
        assert "Viewer" in str(assignment)  # the screen's name
        event = record(AuditEvent.Kind.PERMISSION_CHANGE, user=user, obj=assignment)
    assert event.object_repr == "canbo – Người xem – Sở Nội vụ"


def test_the_admin_history_names_an_object_in_vietnamese_in_english(province, django_user_model):  # noqa: F811
    from django.contrib import admin
    from django.contrib.admin.models import LogEntry
    from django.test import RequestFactory

    from syncing.models import Connection

    user = django_user_model.objects.create_user("quan_tri", is_staff=True, is_superuser=True)
    connection = Connection.objects.create(
        unit=province["root"], software_name="Phần mềm", base_url="https://qg.test", key_id="K-1"
    )
    request = RequestFactory().post("/")
    request.user = user
    model_admin = admin.site._registry[Connection]
    with translation.override("en"):
        assert "National database" in str(connection)  # the screen's name
        model_admin.log_change(request, connection, [])
        model_admin.log_deletions(request, Connection.objects.filter(pk=connection.pk))
    reprs = list(LogEntry.objects.values_list("object_repr", flat=True))
    assert reprs == [str(connection)] * 2 and "CSDL quốc gia về CBCCVC" in reprs[0]


def test_a_national_reference_admin_names_its_object_in_vietnamese_in_english(
    django_user_model,
):
    """Not only the scoped admins: the national admin's reference tables (here the reform's
    code mapping, whose name carries its list's label) log in the site's language too."""
    from datetime import date

    from django.contrib import admin
    from django.contrib.admin.models import LogEntry
    from django.test import RequestFactory

    from conversion.models import CodeMapping

    user = django_user_model.objects.create_user("quoc_gia", is_staff=True, is_superuser=True)
    mapping = CodeMapping.objects.create(
        list_key=CodeMapping.ListKey.POSITION,
        old_code="CT-UBND-H",
        new_code="",
        effective_from=date(2025, 7, 1),
    )
    request = RequestFactory().post("/")
    request.user = user
    with translation.override("en"):
        assert str(mapping).startswith("Position")  # the screen's name
        admin.site._registry[CodeMapping].log_change(request, mapping, [])
    (logged,) = LogEntry.objects.values_list("object_repr", flat=True)
    assert logged == "Chức vụ CT-UBND-H → ∅"
