"""The canonical profile document ("hồ sơ điện tử"): one :class:`ProfileVersion` as XML.

This is the document that is signed (:mod:`profiles.signing.profile_signing`) and, signed,
what the sync sends. One field specification (:data:`GROUPS`, built from the models) drives
both the renderer and the XSD (:func:`schema_document`), so they cannot drift apart; the
committed XSD (``profiles/schemas/ho-so-cbccvc-1.0.xsd``) is checked against the generated one
by the tests and regenerated with ``python manage.py profile_schema --write``.

Canonical form:

* root ``HoSo`` in the namespace :data:`NAMESPACE` (the version is in the namespace), with the
  personal ID, the version number, the snapshot's SHA-256 and whether group 9 is included;
* the data groups in Decree 27/2026/NĐ-CP order (elements ``Nhom1`` … ``Nhom10``), inside a
  group first the profile's own fields then its tables; fields in model order; table rows in
  snapshot order (``Dong`` elements, attribute ``stt`` from 1);
* element names are the snapshot keys (model attribute names); values typed as in the XSD:
  dates ISO ``YYYY-MM-DD``, decimals as their string, booleans ``true``/``false``; a missing
  value (``None``) is left out, an empty text is an empty element;
* group 9 (assets and income) only when ``settings.CBCCVC_SIGN_ASSETS_INCOME`` is True;
* nothing that changes between renderings: the same version always gives the same bytes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from functools import cached_property, lru_cache, partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from lxml import etree

from cbccvc.safexml import parse_untrusted

NAMESPACE = "urn:cbccvc:ho-so:1.0"
SCHEMA_VERSION = "1.0"
SCHEMA_PATH = Path(__file__).resolve().parent / "schemas" / "ho-so-cbccvc-1.0.xsd"
XS = "http://www.w3.org/2001/XMLSchema"
DSIG = "http://www.w3.org/2000/09/xmldsig#"
ASSETS_GROUP = 9
ROW = "Dong"


@lru_cache(maxsize=1024)
def _q(name: str) -> str:
    return f"{{{NAMESPACE}}}{name}"


@dataclass(frozen=True)
class FieldSpec:
    name: str  # the snapshot key (model attname) and the element name
    xsd_type: str  # xs:string, xs:date, xs:decimal, xs:integer, xs:boolean
    optional: bool  # may be None (element left out)
    label: str  # Vietnamese verbose name, for messages and the XSD documentation

    @cached_property
    def tag(self) -> str:
        """The element's qualified name."""
        return _q(self.name)

    @cached_property
    def writer(self) -> Any:
        """How a value is written (see ``_WRITERS``); None: a text type, any value's str()."""
        return _WRITERS.get(self.xsd_type)


@dataclass(frozen=True)
class TableSpec:
    key: str  # key in the snapshot (and in CHILD_MODELS) and the element name
    label: str
    fields: tuple[FieldSpec, ...]


@dataclass(frozen=True)
class GroupSpec:
    number: int
    label: str
    fields: tuple[FieldSpec, ...]  # fields of the profile row
    tables: tuple[TableSpec, ...]


def _xsd_type(field: models.Field) -> str:
    if isinstance(field, models.BooleanField):
        return "xs:boolean"
    if isinstance(field, models.DateTimeField):
        return "xs:dateTime"
    if isinstance(field, models.DateField):
        return "xs:date"
    if isinstance(field, models.DecimalField):
        return "xs:decimal"
    if isinstance(field, (models.IntegerField, models.AutoField, models.ForeignKey)):
        return "xs:integer"
    return "xs:string"


def _field_specs(model: type[models.Model], excluded: set[str]) -> list[FieldSpec]:
    out = []
    for f in model._meta.concrete_fields:
        if f.name in excluded:
            continue
        label = "mã bản ghi (nội bộ)" if f.primary_key else str(f.verbose_name)
        out.append(FieldSpec(f.attname, _xsd_type(f), bool(f.null), label))
    return out


# The groups of Article 5 and where each part of the snapshot goes.
_GROUP_LAYOUT: list[tuple[int, str, str, tuple[str, ...]]] = [
    # (number, label, profile fields: "identity" | "current" | "", tables)
    (1, "Thông tin cá nhân", "identity", ()),
    (2, "Quan hệ gia đình", "", ("family",)),
    (3, "Lịch sử bản thân, quá trình công tác", "", ("work_history",)),
    (4, "Tuyển dụng, bầu cử, bổ nhiệm, điều động, nghỉ hưu …", "", ("career_events",)),
    (5, "Đào tạo, bồi dưỡng", "", ("education", "trainings")),
    (
        6,
        "Cơ quan, vị trí, ngạch, lương; đánh giá; khen thưởng; kỷ luật",
        "current",
        ("salary_history", "assessments", "commendations", "disciplines"),
    ),
    (7, "Tham gia tổ chức chính trị, chính trị – xã hội", "", ("memberships",)),
    (8, "Phục vụ trong lực lượng vũ trang", "", ("military_service",)),
    (9, "Tài sản, thu nhập", "", ("asset_declarations",)),
    (10, "Sức khỏe", "", ("health",)),
]


def build_groups() -> tuple[GroupSpec, ...]:
    """The field specification, from the models (the snapshot's own field selection)."""
    from .models import CHILD_MODELS, Profile
    from .services import DERIVED_FIELDS, SNAPSHOT_EXCLUDED

    profile_fields = _field_specs(Profile, set(SNAPSHOT_EXCLUDED))
    current = [f for f in profile_fields if f.name in DERIVED_FIELDS]
    identity = [f for f in profile_fields if f.name not in DERIVED_FIELDS]
    groups = []
    for number, label, own, tables in _GROUP_LAYOUT:
        fields = {"identity": identity, "current": current, "": []}[own]
        groups.append(
            GroupSpec(
                number,
                label,
                tuple(fields),
                tuple(
                    TableSpec(
                        key,
                        str(CHILD_MODELS[key]._meta.verbose_name_plural),
                        tuple(_field_specs(CHILD_MODELS[key], {"profile"})),
                    )
                    for key in tables
                ),
            )
        )
    return tuple(groups)


_GROUPS: tuple[GroupSpec, ...] | None = None


def groups() -> tuple[GroupSpec, ...]:
    global _GROUPS
    if _GROUPS is None:
        _GROUPS = build_groups()
    return _GROUPS


def group(number: int) -> GroupSpec:
    return next(g for g in groups() if g.number == number)


def assets_included_by_default() -> bool:
    return bool(getattr(settings, "CBCCVC_SIGN_ASSETS_INCOME", False))


# -- rendering ----------------------------------------------------------------------------------


class DocumentError(ValidationError):
    """A snapshot that cannot be rendered (a value of the wrong type)."""


def _boolean(value: Any) -> str:
    if not isinstance(value, bool):
        raise TypeError
    return "true" if value else "false"


def _date(value: Any) -> str:
    return date.fromisoformat(str(value)).isoformat()


def _decimal(value: Any) -> str:
    number = Decimal(str(value))
    if not number.is_finite():
        raise ValueError
    return str(number)


def _integer(value: Any) -> str:
    if isinstance(value, bool):
        raise TypeError
    return str(int(value))


# How a snapshot value of each XSD type is written; any other type is its str().
_WRITERS: dict[str, Any] = {
    "xs:boolean": _boolean,
    "xs:date": _date,
    "xs:decimal": _decimal,
    "xs:integer": _integer,
}


def _text(value: Any, spec: FieldSpec, where: str | Callable[[], str]) -> str:
    writer = spec.writer
    if writer is None and value.__class__ is str:
        return value
    try:
        return (writer or str)(value)
    except (TypeError, ValueError, ArithmeticError) as exc:
        place = where() if callable(where) else where
        raise DocumentError(
            f"{place}: giá trị “{value}” của trường “{spec.label}” ({spec.name}) không hợp lệ."
        ) from exc


def _fields(
    parent: etree._Element,
    row: dict[str, Any],
    specs: tuple[FieldSpec, ...],
    where: str | Callable[[], str],
) -> None:
    # The hot loop of rendering (one call per group and per table row): the place named in an
    # error message is only formatted when there is an error.
    sub = etree.SubElement
    get = row.get
    for spec in specs:
        value = get(spec.name)
        if value is None:
            continue
        if spec.writer is None and value.__class__ is str:
            sub(parent, spec.tag).text = value
        else:
            sub(parent, spec.tag).text = _text(value, spec, where)


_ROW_TAG = f"{{{NAMESPACE}}}{ROW}"


def _row_place(label: str, index: int) -> str:
    return f"{label}, dòng {index}"


def build_snapshot_tree(
    data: dict[str, Any],
    *,
    personal_id: str,
    number: int,
    content_hash: str,
    include_assets: bool,
) -> etree._Element:
    """The canonical document of a snapshot as an element tree (see the module docstring)."""
    root = etree.Element(_q("HoSo"), nsmap={None: NAMESPACE})
    root.set("soDinhDanh", personal_id)
    root.set("phienBan", str(number))
    root.set("maBam", content_hash)
    root.set("coTaiSanThuNhap", "true" if include_assets else "false")
    profile_row = data.get("profile") or {}
    for spec in groups():
        if spec.number == ASSETS_GROUP and not include_assets:
            continue
        node = etree.SubElement(root, _q(f"Nhom{spec.number}"))
        _fields(node, profile_row, spec.fields, f"Nhóm {spec.number}")
        for table in spec.tables:
            table_node = etree.SubElement(node, _q(table.key))
            for index, row in enumerate(data.get(table.key) or [], start=1):
                row_node = etree.SubElement(table_node, _ROW_TAG, stt=str(index))
                _fields(row_node, row, table.fields, partial(_row_place, table.label, index))
    return root


def render_snapshot(data: dict[str, Any], **kwargs: Any) -> bytes:
    """The canonical document of a snapshot as UTF-8 bytes."""
    root = build_snapshot_tree(data, **kwargs)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def version_tree(version: Any, *, include_assets: bool | None = None) -> etree._Element:
    data = version.snapshot
    return build_snapshot_tree(
        data,
        personal_id=str((data.get("profile") or {}).get("personal_id", "")),
        number=version.number,
        content_hash=version.content_hash,
        include_assets=assets_included_by_default() if include_assets is None else include_assets,
    )


def render_profile_document(version: Any, *, include_assets: bool | None = None) -> bytes:
    """Render one :class:`~profiles.models.ProfileVersion` (its frozen snapshot) as canonical
    XML bytes. ``include_assets`` defaults to ``settings.CBCCVC_SIGN_ASSETS_INCOME``."""
    root = version_tree(version, include_assets=include_assets)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


# -- the schema ---------------------------------------------------------------------------------


def _xs(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{XS}}}{tag}", **attrs)


def _doc(parent: etree._Element, text: str) -> None:
    _xs(_xs(parent, "annotation"), "documentation").text = text


def _field_elements(sequence: etree._Element, specs: tuple[FieldSpec, ...]) -> None:
    for spec in specs:
        attrs = {"name": spec.name, "type": spec.xsd_type}
        if spec.optional:
            attrs["minOccurs"] = "0"
        _doc(_xs(sequence, "element", **attrs), spec.label)


def schema_document() -> bytes:
    """The XSD of the canonical document, generated from :func:`groups`."""
    root = etree.Element(
        f"{{{XS}}}schema",
        nsmap={"xs": XS, "hs": NAMESPACE},
        targetNamespace=NAMESPACE,
        elementFormDefault="qualified",
        version=SCHEMA_VERSION,
    )
    _doc(
        root,
        "Hồ sơ điện tử CBCCVC (Nghị định 27/2026/NĐ-CP), phiên bản lược đồ "
        f"{SCHEMA_VERSION}. Tệp sinh tự động: python manage.py profile_schema --write",
    )
    top = _xs(root, "element", name="HoSo")
    top_type = _xs(top, "complexType")
    top_seq = _xs(top_type, "sequence")
    for spec in groups():
        attrs = {"name": f"Nhom{spec.number}"}
        if spec.number == ASSETS_GROUP:
            attrs["minOccurs"] = "0"
        element = _xs(top_seq, "element", **attrs)
        _doc(element, f"Nhóm {spec.number}: {spec.label}")
        group_type = _xs(element, "complexType")
        seq = _xs(group_type, "sequence")
        _field_elements(seq, spec.fields)
        for table in spec.tables:
            table_el = _xs(seq, "element", name=table.key)
            _doc(table_el, table.label)
            rows = _xs(_xs(_xs(table_el, "complexType"), "sequence"), "element", name=ROW)
            rows.set("minOccurs", "0")
            rows.set("maxOccurs", "unbounded")
            row_type = _xs(rows, "complexType")
            _field_elements(_xs(row_type, "sequence"), table.fields)
            _xs(row_type, "attribute", name="stt", type="xs:positiveInteger", use="required")
    # the enveloped signature, last child of the root
    _xs(top_seq, "any", namespace=DSIG, processContents="lax", minOccurs="0")
    for name, xsd_type in (
        ("soDinhDanh", "xs:string"),
        ("phienBan", "xs:positiveInteger"),
        ("maBam", "xs:string"),
        ("coTaiSanThuNhap", "xs:boolean"),
    ):
        _xs(top_type, "attribute", name=name, type=xsd_type, use="required")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def schema() -> etree.XMLSchema:
    """The committed XSD, loaded for validation."""
    return etree.XMLSchema(etree.parse(str(SCHEMA_PATH)))


def validate_document(xml_bytes: bytes) -> list[str]:
    """Errors of ``xml_bytes`` against the committed XSD (empty list: valid)."""
    xsd = schema()
    doc = parse_untrusted(xml_bytes)
    if xsd.validate(doc):
        return []
    return [f"dòng {e.line}: {e.message}" for e in xsd.error_log]
