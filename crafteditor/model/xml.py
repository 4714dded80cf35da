"""The one lxml parser set-up for SVG text: no entities resolved, no network, no DTD."""

from __future__ import annotations

from typing import Any


def hardened_parser(*, huge_tree: bool = False) -> Any:
    """An ``lxml.etree.XMLParser`` that resolves no entity and loads nothing; ``huge_tree``
    lifts libxml2's size limits, for documents already accepted (our own output, with its
    embedded pictures) and never for untrusted input."""
    from lxml import etree

    return etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, dtd_validation=False,
                           huge_tree=huge_tree, remove_pis=False)
