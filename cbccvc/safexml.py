"""Parsing XML that comes from outside (signed documents, uploads): no DTD, no entities.

lxml with ``resolve_entities=False`` still reads a DOCTYPE, and an internal subset can still
declare nested entities ("billion laughs"); this parser loads no DTD, never touches the
network, keeps lxml's limits on huge trees, and refuses any document with a DOCTYPE at all.
"""

from __future__ import annotations

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


def parse_untrusted(xml_bytes: bytes) -> etree._Element:
    if b"<!DOCTYPE" in xml_bytes[:4096].upper() or b"<!ENTITY" in xml_bytes.upper():
        raise UnsafeXML("Tài liệu XML có khai báo DOCTYPE/ENTITY: không được chấp nhận.")
    root = etree.fromstring(xml_bytes, parser=_parser())
    if root.getroottree().docinfo.doctype:
        raise UnsafeXML("Tài liệu XML có khai báo DOCTYPE: không được chấp nhận.")
    return root
