"""The profile schema's constraints as validation findings (issue 18).

The strict XSD (:mod:`profiles.document_schema`) refuses a document at signing time; a profile
must not reach approval with data that will be refused then. This module reads the constraints
**from the committed XSD itself** (the file the sender and the national emulator validate
against: patterns, enumerations, lengths, ranges, digits, required elements) and checks a
validation record (:func:`profiles.validation.load_records`) with them, value by value, as the
renderer (:mod:`profiles.document`) would write it. So the two cannot drift apart: a new facet
in the generated XSD is either understood here or refused when the constraints are loaded
(:class:`UnsupportedSchema`), and the tests compare this module's verdicts with the XSD's on
generated and mutated profiles.

Besides the XSD, what makes rendering itself fail is checked too: characters XML 1.0 cannot
carry (control characters), a value of the wrong type, a unit without an identifier code.

The rule yields ``(code, field, message)``; :mod:`profiles.validation` turns them into error
findings (principle "đúng"). ``field`` is the validation's path (``email``,
``family[2].birth_year``): the findings list shows it as the Vietnamese label and the row.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from functools import cached_property, lru_cache
from typing import Any

from lxml import etree

from . import document
from .document import ROW, XS, FieldSpec
from .models.children import SENSITIVE_TABLES

#: finding codes of this module (named in :mod:`profiles.finding_names`)
REQUIRED = "REQUIRED"  # the same code as validation's own "missing" findings
CODE_UNKNOWN = "CODE_UNKNOWN"
FORMAT = "SCHEMA_FORMAT"
CHOICE = "SCHEMA_CHOICE"
LENGTH = "SCHEMA_LENGTH"
RANGE = "SCHEMA_RANGE"
CODES = (REQUIRED, CODE_UNKNOWN, FORMAT, CHOICE, LENGTH, RANGE)

#: the record key under which :func:`profiles.validation.load_records` puts unit id -> code
UNIT_CODES = "unit_codes"

_XS = {"xs": XS}
_BUILTIN = {
    "xs:string": "string",
    "xs:integer": "integer",
    "xs:positiveInteger": "integer",
    "xs:decimal": "decimal",
    "xs:date": "date",
    "xs:boolean": "boolean",
}
_FACETS = {
    "pattern",
    "enumeration",
    "minLength",
    "maxLength",
    "minInclusive",
    "maxInclusive",
    "totalDigits",
    "fractionDigits",
}
# what XML 1.0 cannot carry (lxml refuses to write it): C0 controls but tab, CR, LF;
# surrogates; U+FFFE, U+FFFF
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_INTEGER = re.compile(r"[+-]?[0-9]+")
_DATE = re.compile(r"([0-9]{4}-[0-9]{2}-[0-9]{2})(Z|[+-][0-9]{2}:[0-9]{2})?")
_DECIMAL = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")


class UnsupportedSchema(ValueError):
    """The XSD uses a construct this module does not check (it would let data through that the
    XSD refuses): teach it here before changing the schema generator."""


# -- XSD regular expressions -> Python ------------------------------------------------------------

_XML_SPACE = " \\t\\n\\r"


def python_pattern(xsd: str) -> re.Pattern[str]:
    """An XSD ``pattern`` as a Python regex matched with ``fullmatch`` (XSD patterns are
    anchored). The differences that matter are translated: ``\\s`` is only the four XML
    spaces, ``.`` excludes CR and LF, ``^`` and ``$`` are ordinary characters. Constructs with
    no exact equivalent (``\\w``, ``\\i``, ``\\c``, ``\\p{…}``, class subtraction) are refused."""
    out: list[str] = []
    in_class = False
    i = 0
    while i < len(xsd):
        c = xsd[i]
        if c == "\\":
            if i + 1 >= len(xsd):
                raise UnsupportedSchema(f"mẫu “{xsd}” kết thúc bằng “\\”")
            n = xsd[i + 1]
            if n == "s":
                out.append(_XML_SPACE if in_class else f"[{_XML_SPACE}]")
            elif n == "S" and not in_class:
                out.append(f"[^{_XML_SPACE}]")
            elif n in "SwWiIcCpP":
                raise UnsupportedSchema(f"mẫu “{xsd}”: “\\{n}” chưa được hỗ trợ")
            else:  # \d \D, escaped metacharacters, \n \r \t: the same in Python
                out.append("\\" + n)
            i += 2
            continue
        if in_class:
            if c == "[":
                raise UnsupportedSchema(f"mẫu “{xsd}”: phép trừ lớp ký tự chưa được hỗ trợ")
            if c == "]":
                in_class = False
            out.append(c)
        elif c == "[":
            in_class = True
            out.append(c)
        elif c in "^$":
            out.append("\\" + c)
        elif c == ".":
            out.append("[^\\n\\r]")
        else:
            out.append(c)
        i += 1
    return re.compile("(?:" + "".join(out) + ")")


# -- the constraints, read from the XSD -----------------------------------------------------------


@dataclass(frozen=True)
class Facets:
    base: str  # string | integer | decimal | date | boolean
    patterns: tuple[re.Pattern[str], ...] = ()  # one of them must match (one derivation step)
    pattern_sources: tuple[str, ...] = ()  # the same, as written in the XSD
    enumeration: frozenset[str] | None = None
    min_length: int | None = None
    max_length: int | None = None
    min_inclusive: Decimal | None = None
    max_inclusive: Decimal | None = None
    total_digits: int | None = None
    fraction_digits: int | None = None
    type_name: str = ""  # the named type (hs:DanhMuc-sex, hs:ThuDienTu), "" for an inline one
    documentation: str = ""  # the named type's documentation, to explain a finding


@dataclass(frozen=True)
class Constraint:
    """One element of the document: the field it renders and what the XSD requires of it."""

    table: str  # "" for the profile's own fields
    spec: FieldSpec
    required: bool
    facets: Facets
    table_label: str = ""  # the table's name in the specification (fixed Vietnamese)

    @cached_property
    def key(self) -> str:
        return self.spec.key

    @cached_property
    def plain_text(self) -> int:
        """The maximum length of a free text with no other facet (0: not such an element)."""
        f = self.facets
        plain = f.base == "string" and not f.patterns and f.enumeration is None
        if not plain or (f.min_length or 0) > 1:
            return 0
        return f.max_length if f.max_length is not None else 1 << 62

    @cached_property
    def accepts(self) -> Callable[[Any], bool]:
        """A quick test of a stored value: True when the element is certainly accepted (the
        common case of a bulk run); False sends the value to :func:`value_problem`."""
        return _acceptor(self)


# the XSD patterns every value of a Python date / bool satisfies once rendered
_DATE_PATTERNS = {"[0-9]{4}-[0-9]{2}-[0-9]{2}"}
_BOOLEAN_PATTERNS = {"true|false"}


def _never(value: Any) -> bool:
    return False


def _acceptor(item: Constraint) -> Callable[[Any], bool]:
    f, spec = item.facets, item.spec
    if spec.source or not spec.omit_empty:
        return _never
    optional = not item.required
    search = _NOT_XML.search
    no_facets = not (f.enumeration or f.min_length or f.max_length or f.total_digits)
    no_facets = no_facets and f.fraction_digits is None
    if f.base == "string" and item.plain_text:
        limit = item.plain_text

        def text(v: Any) -> bool:
            if v.__class__ is str:
                return (optional or v != "") and len(v) <= limit and search(v) is None
            return optional and v is None

        return text
    if f.base == "string" and f.enumeration and not f.patterns:
        allowed = f.enumeration  # written in the XSD: no character XML cannot carry

        def code(v: Any) -> bool:
            if v.__class__ is str and v in allowed:
                return True
            return optional and (v is None or v == "")

        return code
    if f.base == "string" and f.patterns and f.enumeration is None:
        patterns = f.patterns
        low, high = f.min_length or 0, f.max_length if f.max_length is not None else 1 << 62

        def patterned(v: Any) -> bool:
            if v.__class__ is not str:
                return optional and v is None
            if v == "":
                return optional
            return (
                low <= len(v) <= high
                and any(p.fullmatch(v) for p in patterns)
                and search(v) is None
            )

        return patterned
    if f.base == "date" and set(f.pattern_sources) <= _DATE_PATTERNS and no_facets:
        if f.min_inclusive is None and f.max_inclusive is None:
            return lambda v: v.__class__ is date or (optional and v is None)
    if f.base == "boolean" and set(f.pattern_sources) <= _BOOLEAN_PATTERNS and no_facets:
        return lambda v: v.__class__ is bool or (optional and v is None)
    if f.base == "integer" and not f.patterns and no_facets:
        low = int(f.min_inclusive) if f.min_inclusive is not None else -(1 << 64)
        high = int(f.max_inclusive) if f.max_inclusive is not None else 1 << 64
        return lambda v: (v.__class__ is int and low <= v <= high) or (optional and v is None)
    if f.base == "decimal" and not (f.patterns or f.enumeration or f.min_length or f.max_length):
        low_d = f.min_inclusive if f.min_inclusive is not None else Decimal("-Infinity")
        high_d = f.max_inclusive if f.max_inclusive is not None else Decimal("Infinity")
        total = f.total_digits if f.total_digits is not None else 1 << 62
        fraction = f.fraction_digits if f.fraction_digits is not None else 1 << 62

        def decimal(v: Any) -> bool:
            if v.__class__ is not Decimal:
                return optional and v is None
            if not v.is_finite() or not low_d <= v <= high_d:
                return False
            _sign, digits, exponent = v.as_tuple()
            # counted as written: never fewer than the value's own digits (trailing zeros)
            places = -exponent if isinstance(exponent, int) and exponent < 0 else 0
            return places <= fraction and max(len(digits), places) <= total and exponent != "n"

        return decimal
    return _never


def _documentation(node: etree._Element) -> str:
    return "".join(node.xpath("xs:annotation/xs:documentation/text()", namespaces=_XS)).strip()


def _restriction_facets(restriction: etree._Element, type_name: str, doc: str) -> Facets:
    base = restriction.get("base", "")
    if base not in _BUILTIN:
        raise UnsupportedSchema(f"kiểu gốc {base} chưa được hỗ trợ")
    values: dict[str, list[str]] = {}
    for facet in restriction:
        if not isinstance(facet.tag, str) or etree.QName(facet).localname == "annotation":
            continue
        name = etree.QName(facet).localname
        if name not in _FACETS:
            raise UnsupportedSchema(f"ràng buộc xs:{name} chưa được hỗ trợ")
        values.setdefault(name, []).append(facet.get("value", ""))

    def one(name: str) -> str | None:
        found = values.get(name)
        return found[0] if found else None

    def number(name: str) -> Decimal | None:
        text = one(name)
        return None if text is None else Decimal(text)

    def integer(name: str) -> int | None:
        text = one(name)
        return None if text is None else int(text)

    minimum = number("minInclusive")
    if base == "xs:positiveInteger":
        minimum = max(minimum or Decimal(1), Decimal(1))
    return Facets(
        base=_BUILTIN[base],
        patterns=tuple(python_pattern(p) for p in values.get("pattern", ())),
        pattern_sources=tuple(values.get("pattern", ())),
        enumeration=frozenset(values["enumeration"]) if "enumeration" in values else None,
        min_length=integer("minLength"),
        max_length=integer("maxLength"),
        min_inclusive=minimum,
        max_inclusive=number("maxInclusive"),
        total_digits=integer("totalDigits"),
        fraction_digits=integer("fractionDigits"),
        type_name=type_name,
        documentation=doc,
    )


def _element_facets(element: etree._Element, named: Mapping[str, etree._Element]) -> Facets:
    type_ref = element.get("type")
    if type_ref is not None:
        if type_ref in _BUILTIN:
            return Facets(base=_BUILTIN[type_ref], type_name=type_ref)
        prefix, _, local = type_ref.partition(":")
        simple = named.get(local) if prefix == "hs" else None
        if simple is None:
            raise UnsupportedSchema(f"kiểu {type_ref} không có trong lược đồ")
        restriction = simple.find("xs:restriction", _XS)
        if restriction is None:
            raise UnsupportedSchema(f"kiểu {type_ref} không phải một phép giới hạn")
        return _restriction_facets(restriction, type_ref, _documentation(simple))
    restriction = element.find("xs:simpleType/xs:restriction", _XS)
    if restriction is None:
        raise UnsupportedSchema(f"phần tử {element.get('name')} không có kiểu đơn")
    return _restriction_facets(restriction, "", "")


def _children(sequence: etree._Element | None) -> list[etree._Element]:
    if sequence is None:
        return []
    return [e for e in sequence if isinstance(e.tag, str) and etree.QName(e).localname == "element"]


def _constraints_of(
    xsd_root: etree._Element, version: str
) -> tuple[tuple[Constraint, ...], dict[str, tuple[Constraint, ...]]]:
    named = {s.get("name"): s for s in xsd_root.findall("xs:simpleType", _XS)}
    top = xsd_root.find("xs:element[@name='HoSo']/xs:complexType/xs:sequence", _XS)
    groups = {f"Nhom{g.number}": g for g in document.groups(version)}
    profile: list[Constraint] = []
    tables: dict[str, tuple[Constraint, ...]] = {}

    def constraint(
        table: str, element: etree._Element, specs: dict[str, FieldSpec], label: str = ""
    ) -> Constraint:
        name = element.get("name", "")
        if name not in specs:
            raise UnsupportedSchema(f"phần tử {table or 'hồ sơ'}/{name} không có trong đặc tả")
        required = element.get("minOccurs") != "0"
        facets = _element_facets(element, named)
        return Constraint(table, specs.pop(name), required, facets, _capital(label))

    for group_el in _children(top):
        spec = groups.pop(group_el.get("name", ""), None)
        if spec is None:
            raise UnsupportedSchema(f"nhóm {group_el.get('name')} không có trong đặc tả")
        own = {f.name: f for f in spec.fields}
        table_specs = {t.key: t for t in spec.tables}
        for element in _children(group_el.find("xs:complexType/xs:sequence", _XS)):
            table_spec = table_specs.pop(element.get("name", ""), None)
            if table_spec is None:
                profile.append(constraint("", element, own))
                continue
            row = element.find(
                f"xs:complexType/xs:sequence/xs:element[@name='{ROW}']/xs:complexType/xs:sequence",
                _XS,
            )
            fields = {f.name: f for f in table_spec.fields}
            tables[table_spec.key] = tuple(
                constraint(table_spec.key, e, fields, table_spec.label) for e in _children(row)
            )
            if fields:
                raise UnsupportedSchema(f"{table_spec.key}: thiếu trong lược đồ: {sorted(fields)}")
        if own or table_specs:
            raise UnsupportedSchema(f"{spec.number}: thiếu trong lược đồ: {sorted(own)}")
    if groups:
        raise UnsupportedSchema(f"nhóm thiếu trong lược đồ: {sorted(groups)}")
    return tuple(profile), tables


@lru_cache(maxsize=4)
def constraints(
    version: str = document.SCHEMA_VERSION,
) -> tuple[tuple[Constraint, ...], dict[str, tuple[Constraint, ...]]]:
    """(the profile's own elements, table key -> its row's elements), from the committed XSD."""
    xsd = etree.parse(str(document.schema_path(version))).getroot()
    return _constraints_of(xsd, version)


# -- checking a value ---------------------------------------------------------------------------


def _shown(value: Any) -> str:
    text = str(value)
    return text if len(text) <= 60 else text[:57] + "…"


def _digits(number: Decimal) -> tuple[int, int]:
    """(total digits, fraction digits) of a decimal's value (trailing zeros do not count)."""
    if number.is_zero():
        return 1, 0
    _sign, digits, exponent = number.normalize().as_tuple()
    assert isinstance(exponent, int)
    if exponent >= 0:
        return len(digits) + exponent, 0
    return max(len(digits), -exponent), -exponent


def _valid_date(text: str) -> bool:
    """xs:date's lexical space, years of four digits (what Python's dates can hold)."""
    match = _DATE.fullmatch(text)
    if match is None:
        return False
    try:
        date.fromisoformat(match.group(1))
    except ValueError:
        return False
    return True


def _list_name(facets: Facets) -> str:
    return facets.documentation.split(" (", 1)[0] if facets.documentation else ""


def problem(facets: Facets, text: str) -> tuple[str, str] | None:
    """What the XSD refuses in the rendered ``text`` of an element: (code, explanation)."""
    bad = _NOT_XML.search(text)
    if bad:
        return FORMAT, (
            f"chứa ký tự điều khiển U+{ord(bad.group()):04X} ở vị trí {bad.start() + 1}, "
            "không được phép trong tài liệu XML"
        )
    base = facets.base
    number: Decimal | None = None
    if base != "string":  # their whiteSpace is "collapse": outer XML spaces do not count
        text = text.strip(" \t\n\r")
    if base == "date" and not _valid_date(text):
        return FORMAT, "không phải một ngày hợp lệ (YYYY-MM-DD)"
    if base == "boolean" and text not in ("true", "false", "1", "0"):
        return FORMAT, "không phải giá trị đúng/sai"
    if base == "integer" or base == "decimal":
        if not (_INTEGER if base == "integer" else _DECIMAL).fullmatch(text):
            return FORMAT, "không phải một số"
        try:
            number = Decimal(text)
        except InvalidOperation:  # pragma: no cover - the lexical check above is stricter
            return FORMAT, "không phải một số"
    if facets.patterns and not any(p.fullmatch(text) for p in facets.patterns):
        why = facets.documentation or "không đúng mẫu của lược đồ"
        return FORMAT, f"sai định dạng ({why.rstrip('.')})"
    if facets.enumeration is not None and text not in facets.enumeration:
        if facets.type_name.startswith("hs:DanhMuc-"):
            return CODE_UNKNOWN, f"không có trong danh mục {_list_name(facets)}".rstrip()
        allowed = ", ".join(sorted(facets.enumeration))
        return CHOICE, f"không phải giá trị được phép ({allowed})"
    if facets.max_length is not None and len(text) > facets.max_length:
        return LENGTH, f"dài {len(text)} ký tự, tối đa {facets.max_length}"
    if facets.min_length is not None and len(text) < facets.min_length:
        return LENGTH, f"ngắn hơn {facets.min_length} ký tự"
    if number is not None:
        low, high = facets.min_inclusive, facets.max_inclusive
        if (low is not None and number < low) or (high is not None and number > high):
            span = f"từ {low if low is not None else '…'} đến {high if high is not None else '…'}"
            return RANGE, f"phải {span}"
        total, fraction = _digits(number)
        if facets.total_digits is not None and total > facets.total_digits:
            return RANGE, f"có {total} chữ số, tối đa {facets.total_digits}"
        if facets.fraction_digits is not None and fraction > facets.fraction_digits:
            return RANGE, f"có {fraction} chữ số thập phân, tối đa {facets.fraction_digits}"
    return None


def _rendered(value: Any, spec: FieldSpec) -> str | None:
    """The element's text as the renderer writes it; None: the value cannot be written."""
    writer = spec.writer
    if writer is None:
        return value if value.__class__ is str else str(value)
    try:
        return str(writer(value))
    except (TypeError, ValueError, ArithmeticError):
        return None


# -- the rule -----------------------------------------------------------------------------------

Finding = tuple[str, str, str]  # (code, field, message)


def value_problem(
    item: Constraint, value: Any, units: Mapping[Any, str], *, quote: bool = True
) -> tuple[str, str] | None:
    """What the XSD (or the renderer) refuses in the value of ``item`` as stored:
    (code, explanation); None when the element is accepted. ``quote=False`` leaves the value
    out of the explanation (the encrypted groups: a finding is stored in clear and shown to
    anyone who may view the profile)."""
    spec = item.spec
    if spec.source and value is not None:  # a unit: its identifier code is written
        code = units.get(value)
        if not code:
            return REQUIRED, f"đơn vị #{value} chưa có mã định danh (bắt buộc trong hồ sơ điện tử)"
        value = code
    if value is None or (value == "" and spec.omit_empty):
        if item.required:
            return REQUIRED, "bắt buộc trong hồ sơ điện tử, đang để trống"
        return None
    if value.__class__ is str and spec.writer is None:
        text = value
        if item.plain_text and len(text) <= item.plain_text and not _NOT_XML.search(text):
            return None  # the common case of a bulk run: a free text within its length
    else:
        rendered = _rendered(value, spec)
        if rendered is None:
            return (
                FORMAT,
                f"giá trị “{_shown(value)}” không hợp lệ" if quote else "giá trị không hợp lệ",
            )
        text = rendered
    found = problem(item.facets, text)
    if found is None:
        return None
    code, why = found
    return code, f"“{_shown(text)}” {why}" if quote else f"giá trị {why}"


def _capital(text: str) -> str:
    return text[:1].upper() + text[1:]


_Plan = list[tuple[str, Callable[[Any], bool], Constraint]]


@lru_cache(maxsize=4)
def _plan(version: str) -> tuple[_Plan, list[tuple[str, _Plan]]]:
    """The constraints as (key, quick test, constraint) lists: the hot loop's shape (a plain
    loop: faster than testing whole rows first, as a unit's value always needs the slow path)."""
    profile, tables = constraints(version)
    return (
        [(c.key, c.accepts, c) for c in profile],
        [(table, [(c.key, c.accepts, c) for c in items]) for table, items in tables.items()],
    )


def schema_findings(
    rec: Mapping[str, Any], version: str = document.SCHEMA_VERSION
) -> Iterator[Finding]:
    """What the XSD of ``version`` would refuse in a validation record, field by field. Tables
    absent from the record (group 9 when assets are not signed) are not checked."""
    profile, tables = _plan(version)
    units: Mapping[Any, str] = rec.get(UNIT_CODES) or {}
    get = rec.get
    for key, accepts, item in profile:
        value = get(key)
        if accepts(value):
            continue
        found = value_problem(item, value, units)
        if found:
            code, why = found
            yield code, key, f"{_capital(item.spec.label)}: {why}."
    for table, items in tables:
        rows = get(table)
        if not rows:
            continue
        quote = table not in SENSITIVE_TABLES  # never copy health or asset values in clear
        for i, row in enumerate(rows, start=1):
            row_get = row.get
            for key, accepts, item in items:
                value = row_get(key)
                if accepts(value):
                    continue
                found = value_problem(item, value, units, quote=quote)
                if found:
                    code, why = found
                    where = f"{item.table_label}, dòng {i}: {item.spec.label}"
                    yield code, f"{table}[{i}].{key}", f"{where}: {why}."
