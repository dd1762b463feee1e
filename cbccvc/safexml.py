"""Parsing XML that comes from outside (signed documents, uploads): no DTD, no entities.

lxml with ``resolve_entities=False`` still reads a DOCTYPE, and an internal subset can still
declare nested entities ("billion laughs"); this parser loads no DTD, never touches the
network, keeps lxml's limits on huge trees, and refuses any document with a DOCTYPE at all.
"""

from __future__ import annotations

import threading

from lxml import etree


class UnsafeXML(ValueError):
    """The document declares a DOCTYPE (entities, external references): refused."""


def _parser() -> etree.XMLParser:
    return etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        huge_tree=False,
        dtd_validation=False,
    )


_local = threading.local()


def _thread_parser() -> etree.XMLParser:
    """This thread's parser: one per thread (an lxml parser is not shared between threads),
    not one per document (making one costs about as much as parsing a signed profile)."""
    parser = getattr(_local, "parser", None)
    if parser is None:
        parser = _local.parser = _parser()
    return parser


def parse_untrusted(xml_bytes: bytes) -> etree._Element:
    # Both declarations start with "<!": a document without it (a signed profile document
    # has none) is not copied in upper case twice to look for them.
    if b"<!" in xml_bytes and (
        b"<!DOCTYPE" in xml_bytes[:4096].upper() or b"<!ENTITY" in xml_bytes.upper()
    ):
        raise UnsafeXML("Tài liệu XML có khai báo DOCTYPE/ENTITY: không được chấp nhận.")
    root = etree.fromstring(xml_bytes, parser=_thread_parser())
    if root.getroottree().docinfo.doctype:
        raise UnsafeXML("Tài liệu XML có khai báo DOCTYPE: không được chấp nhận.")
    return root
