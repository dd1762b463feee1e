"""The canonical profile document ("hồ sơ điện tử"): one :class:`ProfileVersion` as XML.

This is the document that is signed (:mod:`profiles.signatures.versions`) and, signed,
what the sync sends. One field specification (:data:`GROUPS`, built from the models) drives
both the renderer and the XSD (:func:`schema_document`), so they cannot drift apart; the
committed XSD (``profiles/schemas/ho-so-cbccvc-1.1.xsd``, built by :mod:`profiles.document_schema`)
is checked against the generated one by the tests and regenerated with
``python manage.py profile_schema --write``.

Two schema versions (see :data:`VERSIONS`), told apart by the root's namespace:

* **1.1** (what is rendered and signed now): root ``HoSo`` in ``urn:cbccvc:ho-so:1.1`` with the
  attribute ``phienBanLuocDo="1.1"``; no database ids: a table row is keyed by its position
  (attribute ``stt``), a unit by its identifier code (``unit_code``, not ``unit_id``); an
  empty text is left out, like a missing value; the strict XSD (patterns, code-list
  enumerations, lengths, required elements);
* **1.0** (documents signed before): ``urn:cbccvc:ho-so:1.0``, ``id``/``unit_id`` elements,
  empty texts as empty elements; its XSD (``ho-so-cbccvc-1.0.xsd``) is frozen as published.
  Still rendered, only to name the groups that differ when an old signature's content no
  longer matches its version.

Canonical form (both versions):

* root ``HoSo`` with the personal ID, the version number, the snapshot's SHA-256 and whether
  group 9 is included;
* the data groups in Decree 27/2026/NĐ-CP order (elements ``Nhom1`` … ``Nhom10``), inside a
  group first the profile's own fields then its tables; fields in model order; table rows in
  snapshot order (``Dong`` elements, attribute ``stt`` from 1);
* element names are the snapshot keys (model attribute names); values typed as in the XSD:
  dates ISO ``YYYY-MM-DD``, decimals as their string, booleans ``true``/``false``; a missing
  value (``None``) is left out;
* group 9 (assets and income) only when ``settings.CBCCVC_SIGN_ASSETS_INCOME`` is True;
* nothing that changes between renderings: the same version always gives the same bytes.

The 1.1 tree is written as text and parsed once (:mod:`profiles.document_text`, the same tree
at less than half the cost); :func:`build_element_tree` builds it element by element (1.0, and
whatever the text path leaves to it).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from functools import cached_property, lru_cache, partial
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, ValidationError
from django.db import connection, models
from lxml import etree

from cbccvc.safexml import parse_untrusted

from .fixed_labels import field_label, table_label

SCHEMA_DIR = Path(__file__).resolve().parent / "schemas"
#: schema version -> namespace of its documents
VERSIONS = {"1.0": "urn:cbccvc:ho-so:1.0", "1.1": "urn:cbccvc:ho-so:1.1"}
SCHEMA_VERSION = "1.1"  # what is rendered and signed now
NAMESPACE = VERSIONS[SCHEMA_VERSION]
SCHEMA_PATH = SCHEMA_DIR / f"ho-so-cbccvc-{SCHEMA_VERSION}.xsd"
VERSION_ATTRIBUTE = "phienBanLuocDo"
XS = "http://www.w3.org/2001/XMLSchema"
DSIG = "http://www.w3.org/2000/09/xmldsig#"
ASSETS_GROUP = 9
ROW = "Dong"
UNIT_CODE = "unit_code"  # 1.1: the unit's identifier code in place of the database id


def schema_path(version: str) -> Path:
    return SCHEMA_DIR / f"ho-so-cbccvc-{version}.xsd"


def version_of_namespace(namespace: str | None) -> str | None:
    """The schema version whose documents use ``namespace`` (None: not a profile document)."""
    return next((v for v, ns in VERSIONS.items() if ns == namespace), None)


@lru_cache(maxsize=1024)
def _q(name: str, namespace: str = NAMESPACE) -> str:
    return f"{{{namespace}}}{name}"


@dataclass(frozen=True)
class FieldSpec:
    name: str  # the element name (the snapshot key, but see ``source``)
    xsd_type: str  # xs:string, xs:date, xs:decimal, xs:integer, xs:boolean
    optional: bool  # the element may be left out (1.0: a None value; 1.1: None or "")
    label: str  # fixed Vietnamese name (fixed_labels), for messages and the XSD documentation
    source: str = ""  # the snapshot key, when it is not ``name`` (1.1: unit_id -> unit_code)
    omit_empty: bool = False  # 1.1: an empty text is left out like a missing value
    namespace: str = NAMESPACE
    model_field: Any = field(default=None, compare=False, hash=False, repr=False)

    @cached_property
    def key(self) -> str:
        """The snapshot key the value is read from."""
        return self.source or self.name

    @cached_property
    def tag(self) -> str:
        """The element's qualified name."""
        return _q(self.name, self.namespace)

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


def _field_specs(
    table: str, model: type[models.Model], excluded: set[str], version: str = SCHEMA_VERSION
) -> list[FieldSpec]:
    """The fields of ``model`` (``table``: "profile" or a child table's key), each named by
    its fixed Vietnamese label (:mod:`profiles.fixed_labels`), never the model's translatable
    ``verbose_name``: the schema and its messages read the same in every language."""
    out = []
    namespace = VERSIONS[version]
    for f in model._meta.concrete_fields:
        if f.name in excluded:
            continue
        if version == "1.0":
            label = "mã bản ghi (nội bộ)" if f.primary_key else field_label(table, f.name)
            out.append(FieldSpec(f.attname, _xsd_type(f), bool(f.null), label, namespace=namespace))
            continue
        if f.primary_key:
            continue  # no database ids in 1.1: a row is keyed by its position (stt)
        optional = bool(f.null or f.blank)
        if isinstance(f, models.ForeignKey):
            if f.attname != "unit_id":
                raise ImproperlyConfigured(f"{model.__name__}.{f.name}: no business key in 1.1.")
            label = f"{field_label(table, f.name)} – mã định danh"
            spec = FieldSpec(UNIT_CODE, "xs:string", optional, label, source=f.attname)
        else:
            spec = FieldSpec(f.attname, _xsd_type(f), optional, field_label(table, f.name))
        out.append(
            FieldSpec(
                spec.name,
                spec.xsd_type,
                spec.optional,
                spec.label,
                source=spec.source,
                omit_empty=True,
                namespace=namespace,
                model_field=f,
            )
        )
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


#: schema versions whose XSD is frozen as published: later model fields are not rendered
FROZEN_VERSIONS = ("1.0",)


@lru_cache(maxsize=4)
def _frozen_names(version: str) -> frozenset[str]:
    xsd = etree.parse(str(schema_path(version)))
    return frozenset(xsd.xpath("//xs:element/@name", namespaces={"xs": XS}))


def _not_in_frozen(model: type[models.Model], version: str) -> set[str]:
    """The model's fields a frozen schema version does not have (added after it)."""
    if version not in FROZEN_VERSIONS:
        return set()
    names = _frozen_names(version)
    return {f.name for f in model._meta.concrete_fields if f.attname not in names}


def build_groups(version: str = SCHEMA_VERSION) -> tuple[GroupSpec, ...]:
    """The field specification, from the models (the snapshot's own field selection)."""
    from .models import CHILD_MODELS, Profile
    from .services import DERIVED_FIELDS, SNAPSHOT_EXCLUDED

    excluded = set(SNAPSHOT_EXCLUDED) | _not_in_frozen(Profile, version)
    profile_fields = _field_specs("profile", Profile, excluded, version)
    current = [f for f in profile_fields if f.key in DERIVED_FIELDS]
    identity = [f for f in profile_fields if f.key not in DERIVED_FIELDS]
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
                        table_label(key),
                        tuple(
                            _field_specs(
                                key,
                                CHILD_MODELS[key],
                                {"profile"} | _not_in_frozen(CHILD_MODELS[key], version),
                                version,
                            )
                        ),
                    )
                    for key in tables
                ),
            )
        )
    return tuple(groups)


_GROUPS: dict[str, tuple[GroupSpec, ...]] = {}


def groups(version: str = SCHEMA_VERSION) -> tuple[GroupSpec, ...]:
    built = _GROUPS.get(version)
    if built is None:
        built = _GROUPS[version] = build_groups(version)
    return built


def group(number: int, version: str = SCHEMA_VERSION) -> GroupSpec:
    return next(g for g in groups(version) if g.number == number)


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
    units: Mapping[Any, str],
) -> None:
    # The hot loop of rendering (one call per group and per table row): the place named in an
    # error message is only formatted when there is an error.
    sub = etree.SubElement
    get = row.get
    for spec in specs:
        value = get(spec.key)
        if value is None or (value == "" and spec.omit_empty):
            continue
        if spec.source:
            value = _unit_code(value, spec, units, where)
        if spec.writer is None and value.__class__ is str:
            sub(parent, spec.tag).text = value
        else:
            sub(parent, spec.tag).text = _text(value, spec, where)


def _unit_code(
    value: Any, spec: FieldSpec, units: Mapping[Any, str], where: str | Callable[[], str]
) -> str:
    code = units.get(value)
    if not code:
        place = where() if callable(where) else where
        raise DocumentError(
            f"{place}: đơn vị #{value} của trường “{spec.label}” ({spec.key}) không còn trong "
            "cây tổ chức hoặc chưa có mã định danh."
        )
    return code


def _unit_ids(data: dict[str, Any]) -> set[Any]:
    ids = {(data.get("profile") or {}).get("unit_id")}
    for rows in data.values():
        if isinstance(rows, list):
            ids.update(row.get("unit_id") for row in rows if isinstance(row, dict))
    ids.discard(None)
    return ids


def unit_codes(data: dict[str, Any]) -> dict[Any, str]:
    """The identifier codes of the units a snapshot names (1.1 writes codes, not ids)."""
    return _codes(_unit_ids(data))


def unit_codes_of(snapshots: Iterable[dict[str, Any]]) -> dict[Any, str]:
    """:func:`unit_codes` of several snapshots in one query (a batch renders a chunk of
    versions with one mapping: each document looks up only the units it names)."""
    ids: set[Any] = set()
    for data in snapshots:
        ids |= _unit_ids(data)
    return _codes(ids)


def _codes(ids: set[Any]) -> dict[Any, str]:
    from orgtree.models import Unit

    if not ids:
        return {}
    valid = sorted(i for i in ids if isinstance(i, int) and not isinstance(i, bool))
    if not valid:
        return {}
    # one small query per rendering, without the ORM's query building (it doubled the cost);
    # the ids are integers, written into the query as such: no parameters to convert (the
    # SQLite backend rewrites a query's placeholders with a regex at every execution)
    q = connection.ops.quote_name
    table, pk, code = (
        q(Unit._meta.db_table),
        q(Unit._meta.pk.column),
        q(Unit._meta.get_field("code").column),
    )
    listed = ", ".join(str(int(i)) for i in valid)
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {pk}, {code} FROM {table} WHERE {pk} IN ({listed})")
        return dict(cursor.fetchall())


def _row_place(label: str, index: int) -> str:
    return f"{label}, dòng {index}"


def build_snapshot_tree(data: dict[str, Any], **kwargs: Any) -> etree._Element:
    """The canonical document of a snapshot as an element tree (see the module docstring);
    the arguments are :func:`snapshot_tree_and_c14n`'s."""
    return snapshot_tree_and_c14n(data, **kwargs)[0]


def snapshot_tree_and_c14n(
    data: dict[str, Any],
    *,
    personal_id: str,
    number: int,
    content_hash: str,
    include_assets: bool,
    version: str = SCHEMA_VERSION,
    units: Mapping[Any, str] | None = None,
) -> tuple[etree._Element, bytes | None]:
    """The canonical document of a snapshot as an element tree, and the tree's exclusive C14N
    when the text path wrote the document (it writes it in canonical form and parses those
    bytes: see :mod:`profiles.document_text`); None when the tree was built element by
    element. ``units``: unit id -> identifier code (1.1; by default read from the
    database)."""
    if units is None:
        units = unit_codes(data) if version != "1.0" else {}
    if version == "1.1":
        from .document_text import build_canonical  # the same tree, written as text

        built = build_canonical(
            data,
            personal_id=personal_id,
            number=number,
            content_hash=content_hash,
            include_assets=include_assets,
            units=units,
        )
        if built is not None:
            return built
    tree = build_element_tree(
        data,
        personal_id=personal_id,
        number=number,
        content_hash=content_hash,
        include_assets=include_assets,
        version=version,
        units=units,
    )
    return tree, None


def build_element_tree(
    data: dict[str, Any],
    *,
    personal_id: str,
    number: int,
    content_hash: str,
    include_assets: bool,
    version: str,
    units: Mapping[Any, str],
) -> etree._Element:
    """:func:`build_snapshot_tree` element by element (every version; the reference the text
    path of :mod:`profiles.document_text` is tested against)."""
    namespace = VERSIONS[version]
    root = etree.Element(_q("HoSo", namespace), nsmap={None: namespace})
    # the attributes in the order exclusive C14N writes them (by name), as the text path
    # writes them (profiles.document_text: the document is written in canonical form)
    root.set("coTaiSanThuNhap", "true" if include_assets else "false")
    root.set("maBam", content_hash)
    root.set("phienBan", str(number))
    if version != "1.0":
        root.set(VERSION_ATTRIBUTE, version)
    root.set("soDinhDanh", personal_id)
    profile_row = data.get("profile") or {}
    row_tag = _q(ROW, namespace)
    for spec in groups(version):
        if spec.number == ASSETS_GROUP and not include_assets:
            continue
        node = etree.SubElement(root, _q(f"Nhom{spec.number}", namespace))
        _fields(node, profile_row, spec.fields, f"Nhóm {spec.number}", units)
        for table in spec.tables:
            table_node = etree.SubElement(node, _q(table.key, namespace))
            for index, row in enumerate(data.get(table.key) or [], start=1):
                row_node = etree.SubElement(table_node, row_tag, stt=str(index))
                where = partial(_row_place, table.label, index)
                _fields(row_node, row, table.fields, where, units)
    return root


def render_snapshot(data: dict[str, Any], **kwargs: Any) -> bytes:
    """The canonical document of a snapshot as UTF-8 bytes."""
    root = build_snapshot_tree(data, **kwargs)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


def personal_id_of(data: dict[str, Any]) -> str:
    """The personal ID a snapshot's document names (its root's ``soDinhDanh``)."""
    return str((data.get("profile") or {}).get("personal_id", ""))


def version_tree(
    version: Any,
    *,
    include_assets: bool | None = None,
    schema_version: str = SCHEMA_VERSION,
    units: Mapping[Any, str] | None = None,
) -> etree._Element:
    """``units``: unit id -> code, read once for a batch (:func:`unit_codes_of`); by default
    the codes of the units this snapshot names are read from the database."""
    return version_tree_and_c14n(
        version, include_assets=include_assets, schema_version=schema_version, units=units
    )[0]


def version_tree_and_c14n(
    version: Any,
    *,
    include_assets: bool | None = None,
    schema_version: str = SCHEMA_VERSION,
    units: Mapping[Any, str] | None = None,
) -> tuple[etree._Element, bytes | None]:
    """:func:`version_tree` and, when known, its exclusive C14N (see
    :func:`snapshot_tree_and_c14n`)."""
    data = version.snapshot
    return snapshot_tree_and_c14n(
        data,
        personal_id=personal_id_of(data),
        number=version.number,
        content_hash=version.content_hash,
        include_assets=assets_included_by_default() if include_assets is None else include_assets,
        version=schema_version,
        units=units,
    )


def render_profile_document(
    version: Any, *, include_assets: bool | None = None, schema_version: str = SCHEMA_VERSION
) -> bytes:
    """Render one :class:`~profiles.models.ProfileVersion` (its frozen snapshot) as canonical
    XML bytes. ``include_assets`` defaults to ``settings.CBCCVC_SIGN_ASSETS_INCOME``."""
    root = version_tree(version, include_assets=include_assets, schema_version=schema_version)
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8")


# -- validation ---------------------------------------------------------------------------------


def schema_document() -> bytes:
    """The XSD of the current version, generated (see :mod:`profiles.document_schema`)."""
    from .document_schema import schema_document as build

    return build()


def schema(version: str = SCHEMA_VERSION) -> etree.XMLSchema:
    """The committed XSD of ``version``, loaded for validation."""
    return etree.XMLSchema(etree.parse(str(schema_path(version))))


def validate_document(xml_bytes: bytes) -> list[str]:
    """Errors of ``xml_bytes`` against the committed XSD of its version, picked by the root's
    namespace (empty list: valid). Each message names the element (path and meaning)."""
    from .document_schema import validation_errors

    return validation_errors(parse_untrusted(xml_bytes))
