"""Every import file goes through :func:`cbccvc.uploads.check_upload` before any parsing.

The wizard, the API and the ``import_profiles`` command all create their job through
:func:`transfer.jobs.start_import`, which calls :func:`check_stored` on each stored
file (size, type by content, zip entry count and ratio, DOCTYPE/ENTITY in the XML parts) and
refuses the whole job before it runs; the task checks again before reading. The data rows
are counted there too, against ``CBCCVC_IMPORT_MAX_ROWS`` (:mod:`.row_limit`). The uncompressed
size found here decides whether a job runs in the request or as a background task.

Spreadsheets that old software saves as markup (an HTML table or an XML Spreadsheet 2003
named .xls) or as UTF-16 "Unicode Text" are not kinds the shared check knows: they are
recognised here by content (:func:`.readers.sniff_format`) and accepted, XML declaring a
DOCTYPE or entities still refused.
"""

from __future__ import annotations

from pathlib import Path

from django.core.exceptions import ValidationError

from cbccvc.uploads import SPREADSHEET, CheckedUpload, check_upload, safe_filename

from .csv_text import looks_utf16
from .readers import max_file_bytes, sniff_format
from .report import ImportError_
from .row_limit import TooManyRows, check_row_limit


class UploadRefused(ImportError_):
    """A file that fails the upload checks; the message names the file and says why."""


def check_stored(path: Path | str, name: str) -> CheckedUpload:
    """The file's checks, then its data rows against ``CBCCVC_IMPORT_MAX_ROWS``
    (:mod:`.row_limit`: counted without parsing a cell, stopping at the limit)."""
    path = Path(path)
    checked = _check_bytes(path, name)
    try:
        check_row_limit(path, name)
    except TooManyRows as exc:
        raise UploadRefused(str(exc)) from None
    return checked


def _check_bytes(path: Path, name: str) -> CheckedUpload:
    with path.open("rb") as fh:
        try:
            return check_upload(fh, allowed=SPREADSHEET, max_bytes=max_file_bytes())
        except ValidationError as exc:
            if exc.code == "wrong_type":
                checked = _markup_or_utf16(path, name)
                if checked is not None:
                    return checked
            raise UploadRefused(f"Tệp “{name}”: {' '.join(exc.messages)}") from None


def _markup_or_utf16(path: Path, name: str) -> CheckedUpload | None:
    """The spreadsheets old software saves that the shared upload check does not know: an
    HTML table or an XML Spreadsheet 2003 under an .xls name, UTF-16 "Unicode Text". Checked
    here by content (the size was checked already); XML declaring a DOCTYPE or entities is
    refused, as in an .xlsx."""
    kind = sniff_format(path)
    if kind == "text":
        with path.open("rb") as fh:
            if not looks_utf16(fh.read(4096)):
                return None
        found = "csv"
    elif kind == "spreadsheetml":
        with path.open("rb") as fh:
            prolog = fh.read(65536)
        root = prolog.find(b"<Workbook")
        start = prolog[: root if root >= 0 else len(prolog)].upper()
        if b"<!DOCTYPE" in start or b"<!ENTITY" in start:
            raise UploadRefused(
                f"Tệp “{name}”: tệp XML khai báo DOCTYPE/ENTITY: không được chấp nhận."
            )
        found = "xls"
    elif kind == "html":
        with path.open("rb") as fh:
            if b"<!ENTITY" in fh.read(65536).upper():
                raise UploadRefused(f"Tệp “{name}”: tệp khai báo ENTITY: không được chấp nhận.")
        found = "xls"
    else:
        return None
    return CheckedUpload(kind=found, size=path.stat().st_size, safe_name=safe_filename(name))
