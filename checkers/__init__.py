"""Judging an SVG against its source: pure functions returning findings.

    render      the one SVG renderer (cairosvg, reading nothing outside the document)
    record      a rendering that records glyphs, painted paths and images
    drawn       what an SVG draws, read from its record: text lines, shapes, arrows, pictures
    marker_kinds  the shape each arrow end's marker draws
    svgedit     document edits for renderings without text, the Text layer or images
    base        ``CheckedFigure`` (an SVG as drawn beside its source), ``read_figure``, ``run_checks``
    fidelity, layout, text, drift  the checkers; ``ink`` their ink measures

The benchmark scores with the same readings (``crafteditor.bench`` imports them from here).
"""
