"""The text of a CSV file, decoded so that it can never be garbled silently.

* The whole file is tried as UTF-8 (not a prefix: a cut in the middle of a multi-byte
  character would make a correct file look like Windows-1252).
* A file with no valid UTF-8 multi-byte character at all is a legacy file: Windows-1258
  (Vietnamese Windows, combining tones) or Windows-1252 (which is also how TCVN3/VNI bytes
  read; the legacy-text step converts them per column). The report says which was used.
* A file mixing both: each line that is valid UTF-8 is read as UTF-8, each other line with the
  legacy encoding of those lines; a line holding both valid UTF-8 characters and other bytes is
  read piece by piece. Every such line is named in the report (row warning), since the reading
  is a guess.
* Bytes no encoding can read are replaced by "�" and counted in the report.
* UTF-16 (Excel's "Unicode Text", with or without its BOM) is read as such.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass, field

from django.utils.translation import gettext as _

BOM = b"\xef\xbb\xbf"
_VI_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
LABELS = {"cp1258": "Windows-1258", "cp1252": "Windows-1252"}


@dataclass
class DecodedText:
    text: str
    encoding: str  # "utf-8", "utf-8-sig", "utf-16", "cp1258", "cp1252" or "mixed"
    #: 1-based physical lines not read as UTF-8 → how each was read (for the row warnings)
    legacy_lines: dict[int, str] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)  # file-level notes for the report


def legacy_codec(raw: bytes) -> str:
    """cp1258 when the bytes read as Vietnamese Windows-1258 text (combining tones), else
    cp1252."""
    try:
        text = raw.decode("cp1258")
    except UnicodeDecodeError:
        return "cp1252"
    marks = sum(1 for ch in text if ch in _VI_MARKS)
    letters = sum(1 for ch in text if ch in "ăâđêôơưĂÂĐÊÔƠƯ")
    return "cp1258" if marks + letters > 0 and marks * 20 >= letters else "cp1252"


def _utf8_parts(line: bytes) -> list[tuple[bool, bytes]]:
    """``line`` cut into (is valid UTF-8, bytes) pieces."""
    parts: list[tuple[bool, bytes]] = []
    pos = 0
    while pos < len(line):
        try:
            line[pos:].decode("utf-8")
        except UnicodeDecodeError as exc:
            if exc.start:
                parts.append((True, line[pos : pos + exc.start]))
            parts.append((False, line[pos + exc.start : pos + exc.end]))
            pos += exc.end
            continue
        parts.append((True, line[pos:]))
        break
    return parts


def _legacy(raw: bytes, codec: str) -> tuple[str, int]:
    """``raw`` decoded with ``codec`` and the number of bytes it could not read."""
    # both codecs are one byte → one character: what "ignore" drops is what cannot be read
    return raw.decode(codec, errors="replace"), len(raw) - len(raw.decode(codec, errors="ignore"))


def looks_utf16(head: bytes) -> bool:
    """UTF-16 text (Excel's "Unicode Text" export): a UTF-16 BOM, or ASCII characters with a
    zero byte beside each."""
    if head.startswith((b"\xff\xfe", b"\xfe\xff")):
        return True
    sample = head[:2048]
    if len(sample) < 8:
        return False
    odd, even = sample[1::2], sample[0::2]
    return odd.count(0) * 10 >= len(odd) * 6 or even.count(0) * 10 >= len(even) * 6


def decode_csv(raw: bytes) -> DecodedText:
    if looks_utf16(raw[:2048]):
        if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
            codec = "utf-16"
        else:
            codec = "utf-16-le" if raw[1:2048:2].count(0) >= raw[0:2048:2].count(0) else "utf-16-be"
        text = raw.decode(codec, errors="replace").replace("\r\n", "\n")
        return DecodedText(unicodedata.normalize("NFC", text), "utf-16")
    if raw.startswith(BOM):
        body, encoding = raw[len(BOM) :], "utf-8-sig"
    else:
        body, encoding = raw, "utf-8"
    try:
        return DecodedText(body.decode("utf-8"), encoding)
    except UnicodeDecodeError:
        pass
    # the lines as the CSV reader counts them (io.StringIO splits at "\n" only); no byte of a
    # multi-byte UTF-8 character nor of cp1252/cp1258 text is a "\n"
    lines = body.split(b"\n")
    lines = [line + b"\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    cut = [_utf8_parts(line) for line in lines]
    utf8_chars = any(ok and not piece.isascii() for parts in cut for ok, piece in parts)
    bad_lines = {i for i, parts in enumerate(cut) if any(not ok for ok, _p in parts)}
    if not utf8_chars and encoding == "utf-8":
        codec = legacy_codec(body)
        text, unread = _legacy(body, codec)
        if codec == "cp1258":
            text = unicodedata.normalize("NFC", text)
        notes = [
            _(
                "Tệp không phải UTF-8: đã đọc theo bảng mã %(codec)s. Nếu chữ có dấu hiển thị "
                "sai, hãy lưu lại tệp dạng “CSV UTF-8” rồi tải lên lại."
            )
            % {"codec": LABELS[codec]}
        ]
        if unread:
            notes.append(_unread_note(unread))
        return DecodedText(text, codec, {}, notes)
    codec = legacy_codec(b"".join(p for i in sorted(bad_lines) for ok, p in cut[i] if not ok))
    out: list[str] = []
    legacy: dict[int, str] = {}
    unread = 0
    for i, parts in enumerate(cut):
        if i not in bad_lines:
            out.append(lines[i].decode("utf-8"))
            continue
        mixed = any(ok and not piece.isascii() for ok, piece in parts)
        if mixed:
            pieces = []
            for ok, piece in parts:
                if ok:
                    pieces.append(piece.decode("utf-8"))
                else:
                    text, n = _legacy(piece, codec)
                    pieces.append(text)
                    unread += n
            text = "".join(pieces)
            legacy[i + 1] = _(
                "Dòng này lẫn chữ UTF-8 và chữ theo bảng mã cũ (đã đọc phần sau theo "
                "%(codec)s): kiểm tra lại các ô có dấu."
            ) % {"codec": LABELS[codec]}
        else:
            text, n = _legacy(lines[i], codec)
            unread += n
            legacy[i + 1] = _(
                "Dòng này không phải UTF-8 như phần còn lại của tệp, đã đọc theo bảng mã "
                "%(codec)s: kiểm tra lại các ô có dấu."
            ) % {"codec": LABELS[codec]}
        out.append(unicodedata.normalize("NFC", text) if codec == "cp1258" else text)
    notes = [
        _(
            "Tệp lẫn nhiều bảng mã: %(count)d dòng không phải UTF-8 (dòng %(lines)s) được đọc "
            "theo %(codec)s; các dòng này được đánh dấu để kiểm tra."
        )
        % {
            "count": len(legacy),
            "lines": ", ".join(str(n) for n in list(legacy)[:10])
            + ("…" if len(legacy) > 10 else ""),
            "codec": LABELS[codec],
        }
    ]
    if unread:
        notes.append(_unread_note(unread))
    return DecodedText("".join(out), "mixed", legacy, notes)


def _unread_note(count: int) -> str:
    return _("%(count)d byte không đọc được theo bảng mã nào, đã thay bằng “�”.") % {"count": count}


def drop_nul(text: str) -> tuple[str, str | None]:
    """The text without NUL characters (code 0: nothing a person typed; PostgreSQL refuses
    them, so one NUL in a cell failed the whole write, and SQLite stored it silently), and a
    note naming the lines that had one (None when none had)."""
    if "\x00" not in text:
        return text, None
    lines = [n for n, line in enumerate(text.split("\n"), start=1) if "\x00" in line]
    shown = ", ".join(map(str, lines[:10])) + (", …" if len(lines) > 10 else "")
    note = _(
        "Tệp có ký tự NUL (mã 0, không hiển thị) ở %(count)d dòng (dòng %(lines)s): đã bỏ "
        "các ký tự này, các dòng được đọc như không có chúng."
    ) % {"count": len(lines), "lines": shown}
    return text.replace("\x00", ""), note
