"""The truth names the shape of each connector end's marker."""

import pytest

from checkers.drawn import truth_from_svg

MARKERS = {
    "arrow": '<path d="M0,0 L10,5 L0,10 z" fill="#000"/>',
    "open_arrow": '<path d="M0,0 L10,5 L0,10" fill="none" stroke="#000" stroke-width="1.5"/>',
    "dot": '<circle cx="5" cy="5" r="4" fill="#000"/>',
    "circle": '<circle cx="5" cy="5" r="4" fill="#fff" stroke="#000" stroke-width="1.5"/>',
    "diamond": '<path d="M0,5 L5,1 L10,5 L5,9 z" fill="#000"/>',
    "bar": '<rect x="4" y="0" width="2" height="10" fill="#000"/>',
    "none": '<path d="M0,0 L10,5 L0,10 z" fill="none"/>',
}


def _svg(kind: str, d: str, both: bool = False) -> bytes:
    start = ' marker-start="url(#m)"' if both else ""
    return (f'<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200"><defs>'
            f'<marker id="m" viewBox="0 0 10 10" refX="5" refY="5" markerWidth="6" markerHeight="6" '
            f'orient="auto" markerUnits="strokeWidth">{MARKERS[kind]}</marker></defs>'
            f'<path d="{d}" fill="none" stroke="#000" stroke-width="2" marker-end="url(#m)"{start}/></svg>'
            ).encode()


@pytest.mark.parametrize("kind", sorted(MARKERS))
@pytest.mark.parametrize("d", ["M20,100 L250,100", "M150,20 L150,170", "M20,20 L250,180", "M250,150 L40,150"])
def test_marker_shape_is_classified_in_any_direction(kind: str, d: str) -> None:
    (arrow,) = truth_from_svg(_svg(kind, d)).arrows
    assert arrow.head_kind == kind
    assert arrow.visible_head == (kind in ("arrow", "open_arrow"))
    assert arrow.dot_marked == (kind in ("dot", "circle"))


def test_both_ends_are_classified() -> None:
    (arrow,) = truth_from_svg(_svg("dot", "M20,100 L250,100", both=True)).arrows
    assert (arrow.head_kind, arrow.tail_kind, arrow.both_ends) == ("dot", "dot", True)


def test_graphviz_dot_head_is_a_dot() -> None:
    svg = (b'<svg xmlns="http://www.w3.org/2000/svg" width="300" height="200">'
           b'<path d="M20,100 L240,100" fill="none" stroke="#000"/>'
           b'<ellipse cx="244" cy="100" rx="4" ry="4" fill="#000" stroke="#000"/></svg>')
    (arrow,) = truth_from_svg(svg).arrows
    assert arrow.head_kind == "dot" and abs(arrow.head[0] - 244) < 1 and arrow.tail == (20, 100)
