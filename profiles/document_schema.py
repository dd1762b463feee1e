"""The strict XSD of the profile document, version 1.1, and validation by version.

Generated from the same field specification as the renderer (:func:`profiles.document.groups`)
and from the versioned code lists shipped in ``profiles/data/codelists/`` (read from the
files, not from the database, so the schema is a function of the source tree):

* patterns: the personal ID (12 digits), the old ID (9 or 12 digits), the snapshot hash, unit
  identifier codes, province (2 digits) and commune (5 digits) codes, e-mail addresses; dates
  are ``YYYY-MM-DD`` without a time zone, booleans ``true``/``false`` only;
* enumerations: every coded field (``sex``, ``ethnicity``, ``position_code`` …) lists the codes
  of its code list, the union of every shipped release (a row of 2018 keeps its 2016 code),
  each with its name; the model's choices (``kind``, ``side`` …) likewise;
* lengths: a text's model ``max_length``; decimals' digits; integers' ranges;
* required: every group but 9, every table element (possibly without rows), and every field
  the model requires (not ``blank``), non-empty; optional elements are left out when empty;
* ``stt`` (the row's position, its business key) unique within a table.

``python manage.py profile_schema --write`` rewrites ``profiles/schemas/ho-so-cbccvc-1.1.xsd``;
a test checks the committed file is the generated one. The 1.0 file is frozen as published.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from typing import Any

from django.db import models
from lxml import etree

from . import document
from .document import ASSETS_GROUP, DSIG, ROW, VERSION_ATTRIBUTE, XS, FieldSpec
from .fixed_labels import choice_label

VERSION = "1.1"
NAMESPACE = document.VERSIONS[VERSION]

# Named simple types: (name, base, pattern, documentation)
_PATTERN_TYPES = (
    ("SoDinhDanh", "xs:string", "[0-9]{12}", "Số định danh cá nhân: đúng 12 chữ số."),
    ("SoCMND", "xs:string", "[0-9]{9}|[0-9]{12}", "Số CMND cũ: 9 hoặc 12 chữ số."),
    ("MaBam", "xs:string", "[0-9a-f]{64}", "Mã băm SHA-256 của bản chụp, 64 ký tự hex thường."),
    (
        "MaDonVi",
        "xs:string",
        "[0-9A-Z][0-9A-Z.\\-]{0,39}",
        "Mã định danh cơ quan, đơn vị (QĐ 20/2020/QĐ-TTg, ví dụ 000.00.00.H25, H25.01).",
    ),
    ("MaTinh", "xs:string", "[0-9]{2}", "Mã tỉnh theo danh mục hành chính (2 chữ số)."),
    ("MaXa", "xs:string", "[0-9]{5}", "Mã xã, phường theo danh mục hành chính (5 chữ số)."),
    (
        "ThuDienTu",
        "xs:string",
        "[^@\\s]+@[^@\\s]+\\.[^@\\s]+",
        "Địa chỉ thư điện tử.",
    ),
    ("Ngay", "xs:date", "[0-9]{4}-[0-9]{2}-[0-9]{2}", "Ngày dạng YYYY-MM-DD, không múi giờ."),
    ("Logic", "xs:boolean", "true|false", "Giá trị đúng/sai: true hoặc false."),
)

# (table key or "" for the profile row, element) -> named pattern type
_FIELD_TYPES: dict[tuple[str, str], str] = {
    ("", "personal_id"): "SoDinhDanh",
    ("", "old_id_number"): "SoCMND",
    ("", "email"): "ThuDienTu",
    ("", document.UNIT_CODE): "MaDonVi",
    ("work_history", document.UNIT_CODE): "MaDonVi",
    **{
        ("", f"{place}_{level}_code"): {"province": "MaTinh", "commune": "MaXa"}[level]
        for place in ("birthplace", "hometown", "permanent_residence", "current_residence")
        for level in ("province", "commune")
    },
}

# (table key or "", element) -> code list key; the tables' codes are those validation checks
_PROFILE_CODES = {
    "sex": "sex",
    "ethnicity": "ethnicity",
    "religion": "religion",
    "birth_registration_province": "cccd-province",
    "position_code": "position",
    "title_code": "title",
    "grade_code": "grade",
    "salary_scale": "salary-scale",
}


def coded_fields() -> dict[tuple[str, str], str]:
    from .validation import CODED

    out = {("", name): key for name, key in _PROFILE_CODES.items()}
    out.update({(table, name): key for table, name, key, _required in CODED})
    return out


_INTEGER_MAX = {
    models.PositiveSmallIntegerField: 32767,
    models.PositiveIntegerField: 2147483647,
    models.SmallIntegerField: 32767,
}
_YEAR_FIELDS = {"year", "birth_year"}


def _type_name(list_key: str) -> str:
    return "DanhMuc-" + re.sub(r"[^A-Za-z0-9.\-]", "-", list_key)


def code_lists() -> dict[str, dict[str, Any]]:
    """Each shipped code list: its name, versions and the union of its codes (oldest release
    first, a later name wins)."""
    from .codelists import DATA_DIR, parse_file

    releases = [parse_file(p) for p in sorted(DATA_DIR.iterdir()) if p.suffix in {".json", ".csv"}]
    releases.sort(key=lambda r: (r.headers["list"], r.headers["effective_from"]))
    out: dict[str, dict[str, Any]] = {}
    for release in releases:
        entry = out.setdefault(release.headers["list"], {"name": "", "versions": [], "codes": {}})
        entry["name"] = release.headers["name"]
        entry["versions"].append(release.headers["version"])
        for item in release.items:
            entry["codes"][item["code"]] = item["name"]
    return out


# -- building -----------------------------------------------------------------------------------


def _xs(parent: etree._Element, tag: str, **attrs: str) -> etree._Element:
    return etree.SubElement(parent, f"{{{XS}}}{tag}", **attrs)


def _doc(parent: etree._Element, text: str) -> None:
    _xs(_xs(parent, "annotation"), "documentation").text = text


def _restriction(parent: etree._Element, base: str) -> etree._Element:
    return _xs(_xs(parent, "simpleType"), "restriction", base=base)


def _facets(element: etree._Element, table: str, spec: FieldSpec, codes: dict) -> None:
    """Type ``element`` (an xs:element of ``spec``): a named type or an inline restriction."""
    named = _FIELD_TYPES.get((table, spec.name))
    if named:
        element.set("type", f"hs:{named}")
        return
    list_key = codes.get((table, spec.name))
    if list_key:
        element.set("type", f"hs:{_type_name(list_key)}")
        return
    f = spec.model_field
    if spec.xsd_type == "xs:date":
        element.set("type", "hs:Ngay")
    elif spec.xsd_type == "xs:boolean":
        element.set("type", "hs:Logic")
    elif spec.xsd_type == "xs:integer":
        r = _restriction(element, "xs:integer")
        if spec.name in _YEAR_FIELDS:
            _xs(r, "minInclusive", value="1000")
            _xs(r, "maxInclusive", value="9999")
        else:
            _xs(r, "minInclusive", value="0")
            high = next((v for t, v in _INTEGER_MAX.items() if isinstance(f, t)), None)
            if high is not None:
                _xs(r, "maxInclusive", value=str(high))
    elif spec.xsd_type == "xs:decimal":
        r = _restriction(element, "xs:decimal")
        _xs(r, "minInclusive", value="0")
        if getattr(f, "max_digits", None):
            _xs(r, "totalDigits", value=str(f.max_digits))
            _xs(r, "fractionDigits", value=str(f.decimal_places))
    else:
        r = _restriction(element, "xs:string")
        if f is not None and f.choices:
            for value, _label in f.flatchoices:  # named in Vietnamese in every language
                _doc(
                    _xs(r, "enumeration", value=str(value)),
                    choice_label(table or "profile", f.name, value),
                )
            return
        _xs(r, "minLength", value="1")
        if f is not None and getattr(f, "max_length", None):
            _xs(r, "maxLength", value=str(f.max_length))


def _field_elements(
    sequence: etree._Element, table: str, specs: tuple[FieldSpec, ...], codes: dict
) -> None:
    for spec in specs:
        element = _xs(sequence, "element", name=spec.name)
        if spec.optional:
            element.set("minOccurs", "0")
        _doc(element, spec.label)
        _facets(element, table, spec, codes)


def _simple_types(root: etree._Element, lists: dict[str, dict[str, Any]], used: set[str]) -> None:
    for name, base, pattern, text in _PATTERN_TYPES:
        simple = _xs(root, "simpleType", name=name)
        _doc(simple, text)
        _xs(_xs(simple, "restriction", base=base), "pattern", value=pattern)
    for key in sorted(used):
        entry = lists[key]
        simple = _xs(root, "simpleType", name=_type_name(key))
        _doc(simple, f"{entry['name']} (danh mục {key}, phiên bản {', '.join(entry['versions'])})")
        restriction = _xs(simple, "restriction", base="xs:string")
        for code, label in entry["codes"].items():
            _doc(_xs(restriction, "enumeration", value=code), label)


def schema_document() -> bytes:
    """The XSD of version 1.1, generated from :func:`profiles.document.groups`."""
    codes = coded_fields()
    lists = code_lists()
    missing = sorted({key for key in codes.values() if key not in lists})
    if missing:
        raise ValueError(f"Thiếu tệp danh mục: {', '.join(missing)}.")
    root = etree.Element(
        f"{{{XS}}}schema",
        nsmap={"xs": XS, "hs": NAMESPACE},
        targetNamespace=NAMESPACE,
        elementFormDefault="qualified",
        version=VERSION,
    )
    _doc(
        root,
        "Hồ sơ điện tử CBCCVC (Nghị định 27/2026/NĐ-CP), phiên bản lược đồ "
        f"{VERSION} (chặt: mẫu, danh mục, độ dài, phần tử bắt buộc; không mang mã bản ghi nội "
        "bộ). Tệp sinh tự động: python manage.py profile_schema --write",
    )
    _simple_types(root, lists, set(codes.values()))
    top = _xs(root, "element", name="HoSo")
    top_type = _xs(top, "complexType")
    top_seq = _xs(top_type, "sequence")
    for spec in document.groups(VERSION):
        attrs = {"name": f"Nhom{spec.number}"}
        if spec.number == ASSETS_GROUP:
            attrs["minOccurs"] = "0"
        element = _xs(top_seq, "element", **attrs)
        _doc(element, f"Nhóm {spec.number}: {spec.label}")
        seq = _xs(_xs(element, "complexType"), "sequence")
        _field_elements(seq, "", spec.fields, codes)
        for table in spec.tables:
            table_el = _xs(seq, "element", name=table.key)
            _doc(table_el, table.label)
            rows = _xs(_xs(_xs(table_el, "complexType"), "sequence"), "element", name=ROW)
            rows.set("minOccurs", "0")
            rows.set("maxOccurs", "unbounded")
            row_type = _xs(rows, "complexType")
            _field_elements(_xs(row_type, "sequence"), table.key, table.fields, codes)
            stt = _xs(row_type, "attribute", name="stt", type="xs:positiveInteger", use="required")
            _doc(stt, "số thứ tự của dòng trong bảng (khóa của dòng)")
            unique = _xs(table_el, "unique", name=f"stt-{table.key}")
            _xs(unique, "selector", xpath=f"hs:{ROW}")
            _xs(unique, "field", xpath="@stt")
    # the enveloped signature, last child of the root
    _xs(top_seq, "any", namespace=DSIG, processContents="lax", minOccurs="0")
    for name, xsd_type, text in (
        ("soDinhDanh", "hs:SoDinhDanh", "số định danh cá nhân của người có hồ sơ"),
        ("phienBan", "xs:positiveInteger", "số phiên bản hồ sơ"),
        ("maBam", "hs:MaBam", "mã băm SHA-256 của bản chụp phiên bản"),
        ("coTaiSanThuNhap", "hs:Logic", "có nhóm 9 (tài sản, thu nhập) hay không"),
    ):
        _doc(_xs(top_type, "attribute", name=name, type=xsd_type, use="required"), text)
    version_attr = _xs(
        top_type, "attribute", name=VERSION_ATTRIBUTE, type="xs:string", use="required"
    )
    version_attr.set("fixed", VERSION)
    _doc(version_attr, "phiên bản lược đồ của tài liệu")
    return etree.tostring(root, xml_declaration=True, encoding="UTF-8", pretty_print=True)


# -- validation ---------------------------------------------------------------------------------

_local = threading.local()  # an XMLSchema is not shared between threads


def schema_for(version: str) -> etree.XMLSchema:
    cache = getattr(_local, "schemas", None)
    if cache is None:
        cache = _local.schemas = {}
    if version not in cache:
        cache[version] = document.schema(version)
    return cache[version]


@lru_cache(maxsize=4)
def _labels(version: str) -> dict[str, str]:
    out: dict[str, str] = {}
    for spec in document.groups(version):
        out[f"Nhom{spec.number}"] = f"nhóm {spec.number}: {spec.label}"
        for f in spec.fields:
            out.setdefault(f.name, f.label)
        for table in spec.tables:
            out.setdefault(table.key, table.label)
            for f in table.fields:
                out.setdefault(f.name, f.label)
    return out


def _readable_path(node: Any) -> str:
    parts = []
    while node is not None and isinstance(node.tag, str):
        name = etree.QName(node).localname
        if node.get("stt") and name == ROW:
            name += f"[stt={node.get('stt')}]"
        parts.append(name)
        node = node.getparent()
    return "/".join(reversed(parts))


_CLARK = re.compile(r"\{[^}]*\}")
_ATTRIBUTE = re.compile(r"attribute '([^']+)'")


def validation_errors(root: etree._Element) -> list[str]:
    """Errors of a parsed profile document against the XSD of its version (picked by the root's
    namespace); each names the element by its path and meaning, e.g. ``HoSo/Nhom1/sex (giới
    tính): … '9' is not an element of the set {'1', '2'}``. Empty: valid."""
    version = document.version_of_namespace(etree.QName(root).namespace)
    if version is None:
        return [
            f"Phần tử gốc {root.tag} không thuộc lược đồ hồ sơ nào đã biết "
            f"({', '.join(document.VERSIONS.values())})."
        ]
    xsd = schema_for(version)
    if xsd.validate(root):
        return []
    labels = _labels(version)
    tree = root.getroottree()
    out = []
    for error in xsd.error_log:
        found = tree.xpath(error.path) if error.path else []
        node = found[0] if found else None
        path = _readable_path(node) if node is not None else "?"
        attribute = _ATTRIBUTE.search(error.message)
        if attribute:
            path += f"/@{attribute.group(1)}"
            label = ""
        else:
            label = labels.get(path.rsplit("/", 1)[-1].split("[")[0], "")
        named = f"{path} ({label})" if label else path
        message = _CLARK.sub("", error.message)
        out.append(f"dòng {error.line}, phần tử {named}: {message}")
    return out
