"""The benchmark: synthetic, real and PDF figures with ground truth, metrics and reports.

    synth      seeded synthetic diagrams (``make_case``), with ``icons`` and ``vocab``
    cases      ``Case`` (truth SVG, converter input, clean renderings, truth) and degradations
    (truth is read from what cairosvg draws with ``checkers.drawn`` and ``checkers.record``,
    the checkers' own readings of an SVG)
    realfigs   the real diagrams in ``shared/realfigs/svg``
    pdffigs    paper figures drawn as vector PDFs (``shared/realfigs/pdf``), rendered with pypdfium2
    pdftruth   their truth read with pdfplumber: ``pdfpage`` (points to pixels), ``pdftext``,
               ``pdfshapes``, ``pdfarrows``
    rasterviews  raster paper figures (``shared/realfigs/png``) converted for viewing, not scored
    textmatch  line/word matching, CER, CIEDE2000
    metrics    per-case scores of an output SVG (``evaluate``)
    baselines  ``vtracer`` and ``embed`` peers
    report     summaries, targets, text table, results.json, report.html
    runner     ``run_bench``; cost measurement (wall time, peak RSS)

Nothing here is imported by ``import crafteditor``; the ``crafteditor bench`` command is
``crafteditor.cli.bench``.
"""
