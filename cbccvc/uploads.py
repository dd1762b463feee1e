"""One check for every uploaded file: size, type by its bytes, zip bombs, and a safe name.

Usage (a form's ``clean_<field>`` or a service)::

    from cbccvc.uploads import check_upload, SPREADSHEET
    check_upload(upload, allowed=SPREADSHEET)      # raises ValidationError in Vietnamese

The type comes from the file's magic bytes, never from its name; spreadsheets in xlsx/ods
format are zip files, so their central directory is read (without inflating anything) and
refused when the total uncompressed size or the compression ratio is too large, or when a
member name climbs out of the archive. The import wizard and any other upload must call it.
"""

from __future__ import annotations

import os
import re
import unicodedata
import zipfile
from collections.abc import Collection
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from django.core.exceptions import ValidationError

# kinds recognised from the first bytes
XLSX, ODS, XLS, CSV, PKCS12, XML, PDF = "xlsx", "ods", "xls", "csv", "pkcs12", "xml", "pdf"
SPREADSHEET = frozenset({XLSX, ODS, XLS, CSV})
KEY_FILE = frozenset({PKCS12})
LABELS = {
    XLSX: "Excel (.xlsx)",
    ODS: "OpenDocument (.ods)",
    XLS: "Excel 97-2003 (.xls)",
    CSV: "CSV",
    PKCS12: "tệp khóa PKCS#12 (.p12, .pfx)",
    XML: "XML",
    PDF: "PDF",
}
MAX_NAME = 255


@dataclass(frozen=True)
class CheckedUpload:
    kind: str
    size: int
    safe_name: str
    uncompressed_size: int | None = None


def safe_filename(name: str, default: str = "tep-tai-len") -> str:
    """The last path component, without control characters, NULs, leading dots, or path
    separators of any OS, at most 255 bytes in UTF-8. Never used to build a path by itself
    (files are stored under generated names); for display and the audit log."""
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\x00", "")
    name = re.split(r"[\\/]", name)[-1]
    name = "".join(ch for ch in name if unicodedata.category(ch)[0] != "C")
    name = name.strip().lstrip(".").strip()
    if not name or name in {".", ".."}:
        return default
    stem, ext = os.path.splitext(name)
    while len(name.encode()) > MAX_NAME:
        stem = stem[:-1]
        name = stem + ext[:16]
    return name


def _zip_kind(head: bytes, stream: IO[bytes]) -> str | None:
    try:
        with zipfile.ZipFile(stream) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" in names and any(n.startswith("xl/") for n in names):
                return XLSX
            if "mimetype" in names:
                if (
                    archive.read("mimetype").strip()
                    == b"application/vnd.oasis.opendocument.spreadsheet"
                ):
                    return ODS
    except zipfile.BadZipFile:
        return None
    return "zip"


def sniff(head: bytes, stream: IO[bytes]) -> str | None:
    """What the bytes say the file is (``None``: unknown)."""
    if head.startswith(b"PK\x03\x04"):
        stream.seek(0)
        return _zip_kind(head, stream)
    if head.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return XLS
    if head.startswith(b"%PDF-"):
        return PDF
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n")
    if stripped.startswith(b"<?xml") or stripped.startswith(b"<"):
        return XML
    if head[:1] == b"\x30" and len(head) > 4 and head[1] in (0x80, 0x81, 0x82, 0x83, 0x84):
        return PKCS12  # DER SEQUENCE with a long-form length: PKCS#12 PFX
    if b"\x00" not in head:
        try:
            head.decode("utf-8")
            return CSV
        except UnicodeDecodeError:
            try:
                head[:-3].decode("utf-8")  # a multi-byte character cut by the read
                return CSV
            except UnicodeDecodeError:
                pass
        # 8-bit text (Windows-1258, TCVN3 read as Windows-1252): no control byte but TAB/CR/LF
        if all(b >= 0x20 or b in (0x09, 0x0A, 0x0D) for b in head):
            return CSV
    return None


def check_zip(stream: IO[bytes], compressed_size: int) -> int:
    """Refuse a zip bomb from its central directory alone; return the uncompressed size."""
    limit = settings.CBCCVC_UPLOAD_MAX_UNZIPPED_BYTES
    ratio = settings.CBCCVC_UPLOAD_MAX_ZIP_RATIO
    stream.seek(0)
    try:
        with zipfile.ZipFile(stream) as archive:
            infos = archive.infolist()
    except zipfile.BadZipFile as exc:
        raise ValidationError("Tệp nén bị hỏng.", code="bad_zip") from exc
    if len(infos) > 10_000:
        raise ValidationError("Tệp nén có quá nhiều thành phần.", code="zip_bomb")
    total = 0
    for info in infos:
        if info.filename.startswith(("/", "\\")) or ".." in re.split(r"[\\/]", info.filename):
            raise ValidationError("Tệp nén chứa đường dẫn không hợp lệ.", code="zip_path")
        total += info.file_size
        if info.compress_size and info.file_size / info.compress_size > ratio * 10:
            raise ValidationError(
                "Tệp có tỉ lệ nén bất thường (nghi ngờ “bom nén”).", code="zip_bomb"
            )
    if total > limit:
        raise ValidationError(
            f"Nội dung giải nén quá lớn ({total // 1024 // 1024} MB, tối đa "
            f"{limit // 1024 // 1024} MB).",
            code="zip_bomb",
        )
    if compressed_size and total / compressed_size > ratio:
        raise ValidationError("Tệp có tỉ lệ nén bất thường (nghi ngờ “bom nén”).", code="zip_bomb")
    stream.seek(0)
    return total


XML_SUFFIXES = (".xml", ".rels", ".vml")


def check_xml_parts(stream: IO[bytes], head_bytes: int = 8192) -> None:
    """Refuse an Office/ODS archive whose XML parts declare a DOCTYPE or entities (billion
    laughs, external entities): only the first bytes of each part are inflated, after
    :func:`check_zip` has bounded the entry count and sizes."""
    stream.seek(0)
    with zipfile.ZipFile(stream) as archive:
        for info in archive.infolist():
            if not info.filename.lower().endswith(XML_SUFFIXES) or info.is_dir():
                continue
            with archive.open(info) as part:
                start = part.read(head_bytes).upper()
            if b"<!DOCTYPE" in start or b"<!ENTITY" in start:
                raise ValidationError(
                    "Tệp có phần XML khai báo DOCTYPE/ENTITY: không được chấp nhận.",
                    code="xml_entities",
                )
    stream.seek(0)


def check_upload(
    upload: Any,
    *,
    allowed: Collection[str],
    max_bytes: int | None = None,
) -> CheckedUpload:
    """Check an uploaded file (Django ``UploadedFile`` or any binary stream with ``name``).

    Raises :class:`ValidationError` (Vietnamese message, a ``code``) when it is empty, too
    large, not one of ``allowed`` kinds by its bytes, or a zip bomb. Leaves the stream at 0."""
    limit = max_bytes or settings.CBCCVC_UPLOAD_MAX_BYTES
    stream = getattr(upload, "file", upload)
    size = getattr(upload, "size", None)
    if size is None:
        stream.seek(0, os.SEEK_END)
        size = stream.tell()
    if size == 0:
        raise ValidationError("Tệp rỗng.", code="empty")
    if size > limit:
        raise ValidationError(
            f"Tệp quá lớn ({size / 1024 / 1024:.1f} MB, tối đa {limit / 1024 / 1024:.0f} MB).",
            code="too_large",
        )
    stream.seek(0)
    head = stream.read(2048)
    stream.seek(0)
    kind = sniff(head, stream)
    stream.seek(0)
    if kind not in allowed:
        wanted = ", ".join(LABELS.get(k, k) for k in sorted(allowed))
        raise ValidationError(
            f"Nội dung tệp không phải {wanted} "
            "(hệ thống kiểm tra nội dung tệp, không dựa vào đuôi tên tệp).",
            code="wrong_type",
        )
    unzipped = check_zip(stream, size) if kind in {XLSX, ODS} else None
    if kind in {XLSX, ODS}:
        check_xml_parts(stream)
    stream.seek(0)
    return CheckedUpload(
        kind=kind,
        size=size,
        safe_name=safe_filename(getattr(upload, "name", "")),
        uncompressed_size=unzipped,
    )
