"""The text of a PDF, read by poppler's ``pdftotext`` (the standard reader, not our code).

``-raw`` keeps the content stream's order: the header's two columns come one after the other,
and a table row reads as one line with its cells separated by spaces.
"""

from __future__ import annotations

import subprocess


def pdf_text(pdf: bytes) -> str:
    done = subprocess.run(
        ["pdftotext", "-raw", "-enc", "UTF-8", "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    )
    return done.stdout.decode("utf-8").replace("\f", "").rstrip("\n")


def flat(text: str) -> str:
    """Whitespace collapsed: phrases wrapped over lines read as one."""
    return " ".join(text.split())
