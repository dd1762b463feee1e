"""The text of a PDF that fpdf2 wrote, for tests (poppler's pdftotext is not installed and no PDF
reader is in the lock).

Enough of PDF for fpdf2's output: indirect objects with FlateDecode streams, Type0 fonts with
Identity-H encoding and a ToUnicode CMap (``bfchar``/``bfrange``), text shown with ``Tj`` and
``TJ``. Each shown string becomes one line, in content order; pages follow each other.
"""

from __future__ import annotations

import re
import zlib

_OBJ = re.compile(rb"(\d+) 0 obj\s*(<<.*?>>)\s*(stream\r?\n(.*?)\r?\nendstream|endobj)", re.S)
_ESCAPES = {b"n": b"\n", b"r": b"\r", b"t": b"\t", b"b": b"\b", b"f": b"\f"}


def _objects(pdf: bytes) -> dict[int, tuple[bytes, bytes]]:
    out = {}
    for match in _OBJ.finditer(pdf):
        head, stream = match.group(2), match.group(4) or b""
        if stream and b"/FlateDecode" in head:
            stream = zlib.decompress(stream)
        out[int(match.group(1))] = (head, stream)
    return out


def _ref(head: bytes, name: bytes) -> int:
    found = re.search(rb"/" + name + rb"\s+(\d+) 0 R", head)
    assert found, f"/{name.decode()} missing in {head[:80]!r}"
    return int(found.group(1))


def _cmap(stream: bytes) -> dict[int, str]:
    table: dict[int, str] = {}
    for block in re.findall(rb"beginbfchar(.*?)endbfchar", stream, re.S):
        for src, dst in re.findall(rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block):
            table[int(src, 16)] = bytes.fromhex(dst.decode()).decode("utf-16-be")
    for block in re.findall(rb"beginbfrange(.*?)endbfrange", stream, re.S):
        for lo, hi, dst in re.findall(
            rb"<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>\s*<([0-9A-Fa-f]+)>", block
        ):
            start = int(dst, 16)
            for offset, code in enumerate(range(int(lo, 16), int(hi, 16) + 1)):
                table[code] = chr(start + offset)
    return table


def _literal(data: bytes, i: int) -> tuple[bytes, int]:
    """The PDF literal string starting after the ``(`` at ``i``; returns (bytes, next index)."""
    out, depth = bytearray(), 1
    while True:
        ch = data[i : i + 1]
        i += 1
        if ch == b"\\":
            nxt = data[i : i + 1]
            if nxt.isdigit():
                octal = re.match(rb"[0-7]{1,3}", data[i : i + 3])
                assert octal
                out.append(int(octal.group(0), 8))
                i += len(octal.group(0))
            else:
                out += _ESCAPES.get(nxt, nxt)
                i += 1
        elif ch == b"(":
            depth += 1
            out += ch
        elif ch == b")":
            depth -= 1
            if depth == 0:
                return bytes(out), i
            out += ch
        else:
            out += ch


def _decode(raw: bytes, cmap: dict[int, str]) -> str:
    return "".join(
        cmap.get(int.from_bytes(raw[j : j + 2], "big"), "\ufffd") for j in range(0, len(raw) - 1, 2)
    )


def pdf_text(pdf: bytes) -> str:
    objects = _objects(pdf)
    lines: list[str] = []
    pages = [n for n, (head, _) in sorted(objects.items()) if re.search(rb"/Type\s*/Page\b", head)]
    for page in pages:
        head = objects[page][0]
        resources = objects[_ref(head, b"Resources")][0]
        fonts = {
            name.decode(): _cmap(objects[_ref(objects[int(num)][0], b"ToUnicode")][1])
            for name, num in re.findall(rb"/(F\d+)\s+(\d+) 0 R", resources)
        }
        content = objects[_ref(head, b"Contents")][1]
        cmap: dict[int, str] = {}
        i = 0
        pending: list[str] = []
        while i < len(content):
            ch = content[i : i + 1]
            if ch == b"/":
                font = re.match(rb"/(F\d+)\s+[\d.]+\s+Tf", content[i:])
                if font:
                    cmap = fonts[font.group(1).decode()]
                    i += len(font.group(0))
                    continue
            if ch == b"(":
                raw, i = _literal(content, i + 1)
                pending.append(_decode(raw, cmap))
                continue
            op = re.match(rb"\s*(TJ|Tj)", content[i:])
            if op and pending:
                lines.append("".join(pending))
                pending = []
                i += len(op.group(0))
                continue
            i += 1
    return "\n".join(lines)


def flat(text: str) -> str:
    """Whitespace collapsed: phrases wrapped over lines read as one."""
    return " ".join(text.split())
