"""Loading and reading the versioned code lists (danh mục).

Data files live in ``profiles/data/codelists/``:

* JSON: ``{"list", "name", "version", "effective_from", "source", "notes",
  "items": [{"code", "name", "extra": {...}, "verified": bool}]}``
* CSV: ``# key: value`` header lines (list, name, version, effective_from, source, notes,
  verified), then a header row ``code,name,...``; further columns go into ``extra``.

Loading is idempotent: a release (list + version) already loaded from identical content is
skipped; the same version with different content is refused (publish a new version instead).
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

from django.db import transaction
from django.db.models import Q

from .models import CodeItem, CodeList, CodeListRelease

DATA_DIR = Path(__file__).resolve().parent / "data" / "codelists"
REQUIRED_HEADERS = ("list", "name", "version", "effective_from")


class CodeListFileError(ValueError):
    """A code-list file that cannot be loaded; the message names the file and the row."""


@dataclass
class ParsedRelease:
    file_name: str
    sha256: str
    headers: dict[str, str]
    items: list[dict[str, Any]] = field(default_factory=list)


def _parse_date(value: str, where: str) -> date:
    try:
        return date.fromisoformat(value)
    except (TypeError, ValueError):
        raise CodeListFileError(
            f"{where}: ngày “{value}” không đúng định dạng YYYY-MM-DD."
        ) from None


def _as_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    return str(value).strip().lower() in {"1", "true", "yes", "có"}


def parse_file(path: Path) -> ParsedRelease:
    raw = path.read_bytes()
    digest = hashlib.sha256(raw).hexdigest()
    text = raw.decode("utf-8-sig")
    name = path.name
    if path.suffix == ".json":
        try:
            data = json.loads(text)
        except json.JSONDecodeError as exc:
            raise CodeListFileError(f"{name}: JSON lỗi ở dòng {exc.lineno}: {exc.msg}") from None
        headers = {k: str(v) for k, v in data.items() if k != "items"}
        items = []
        for i, item in enumerate(data.get("items") or [], start=1):
            if not isinstance(item, dict) or not item.get("code") or not item.get("name"):
                raise CodeListFileError(f"{name}: mục thứ {i} thiếu “code” hoặc “name”.")
            items.append(
                {
                    "code": str(item["code"]).strip(),
                    "name": str(item["name"]),
                    "extra": item.get("extra") or {},
                    "verified": _as_bool(item.get("verified", True)),
                    "row": i,
                }
            )
    elif path.suffix == ".csv":
        headers = {}
        body_lines = []
        for line in text.splitlines():
            if line.startswith("#") and not body_lines:
                key, sep, value = line[1:].partition(":")
                if sep:
                    headers[key.strip()] = value.strip()
            else:
                body_lines.append(line)
        reader = csv.DictReader(io.StringIO("\n".join(body_lines)))
        if not reader.fieldnames or not {"code", "name"} <= set(reader.fieldnames):
            raise CodeListFileError(f"{name}: thiếu dòng tiêu đề có cột “code” và “name”.")
        verified = _as_bool(headers.get("verified", "true"))
        items = []
        for i, row in enumerate(reader, start=1):
            code = (row.get("code") or "").strip()
            if not code or not (row.get("name") or "").strip():
                raise CodeListFileError(f"{name}: dòng dữ liệu {i} thiếu mã hoặc tên.")
            extra = {k: v for k, v in row.items() if k not in {"code", "name"} and v}
            items.append(
                {"code": code, "name": row["name"], "extra": extra, "verified": verified, "row": i}
            )
    else:
        raise CodeListFileError(f"{name}: chỉ nhận tệp .json hoặc .csv.")
    for key in REQUIRED_HEADERS:
        if not headers.get(key):
            raise CodeListFileError(f"{name}: thiếu thông tin “{key}” ở phần đầu tệp.")
    seen: set[str] = set()
    for item in items:
        if item["code"] in seen:
            raise CodeListFileError(f"{name}: mã “{item['code']}” lặp lại (mục {item['row']}).")
        seen.add(item["code"])
    if not items:
        raise CodeListFileError(f"{name}: không có mục nào.")
    _parse_date(headers["effective_from"], name)
    return ParsedRelease(file_name=name, sha256=digest, headers=headers, items=items)


@dataclass
class LoadResult:
    loaded: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)


def load_codelists(directory: Path | None = None) -> LoadResult:
    """Load every file in ``directory`` (default: the shipped data). All or nothing."""
    directory = Path(directory or DATA_DIR)
    parsed = [parse_file(p) for p in sorted(directory.iterdir()) if p.suffix in {".json", ".csv"}]
    result = LoadResult()
    with transaction.atomic():
        for release in parsed:
            key = f"{release.headers['list']}@{release.headers['version']}"
            if _load_release(release):
                result.loaded.append(key)
            else:
                result.unchanged.append(key)
    clear_cache()
    return result


def _load_release(parsed: ParsedRelease) -> bool:
    h = parsed.headers
    code_list, created = CodeList.objects.get_or_create(key=h["list"], defaults={"name": h["name"]})
    if not created and code_list.name != h["name"]:
        code_list.name = h["name"]
        code_list.save(update_fields=["name"])
    existing = CodeListRelease.objects.filter(code_list=code_list, version=h["version"]).first()
    if existing is not None:
        if existing.sha256 == parsed.sha256:
            return False
        raise CodeListFileError(
            f"{parsed.file_name}: phiên bản {h['version']} của danh mục “{h['list']}” đã được nạp "
            "với nội dung khác; hãy tăng số phiên bản khi sửa tệp."
        )
    release = CodeListRelease.objects.create(
        code_list=code_list,
        version=h["version"],
        effective_from=_parse_date(h["effective_from"], parsed.file_name),
        effective_to=(
            _parse_date(h["effective_to"], parsed.file_name) if h.get("effective_to") else None
        ),
        source=h.get("source", ""),
        notes=h.get("notes", ""),
        file_name=parsed.file_name,
        sha256=parsed.sha256,
    )
    for order, item in enumerate(parsed.items, start=1):
        # save() (not bulk_create) so that each item gets its history row and clean name
        CodeItem(
            release=release,
            code=item["code"],
            name=item["name"],
            extra=item["extra"],
            verified=item["verified"],
            sort_order=order,
        ).save()
    return True


# -- reading ------------------------------------------------------------------------------------
_cache: dict[tuple[str, date], dict[str, CodeItem]] = {}


def clear_cache() -> None:
    _cache.clear()


def items(list_key: str, on: date | None = None) -> dict[str, CodeItem]:
    """Code → item of the release of ``list_key`` in force on ``on`` (today); {} if none."""
    on = on or date.today()
    cache_key = (list_key, on)
    if cache_key not in _cache:
        release = (
            CodeListRelease.objects.filter(code_list__key=list_key, effective_from__lte=on)
            .filter(Q(effective_to__isnull=True) | Q(effective_to__gt=on))
            .order_by("-effective_from", "-id")
            .first()
        )
        _cache[cache_key] = {i.code: i for i in release.items.all()} if release else {}
    return _cache[cache_key]


def name_of(list_key: str, code: str | None, on: date | None = None) -> str:
    """The item's name; the code itself when the list does not know it; "" for no code."""
    if not code:
        return ""
    item = items(list_key, on).get(code)
    return item.name if item else code


def choices(list_key: str, on: date | None = None) -> list[tuple[str, str]]:
    return [(i.code, i.name) for i in items(list_key, on).values()]
