"""The generation benchmark reads a generated figure back against its case and sums the cases up."""

from __future__ import annotations

from crafteditor.bench.gencases import CASES
from crafteditor.bench.genbench import CaseResult, format_table, read_back
from crafteditor.generate.run import generate


def test_the_cases_are_twenty_and_varied():
    assert len(CASES) == 20 and len({c.id for c in CASES}) == 20
    assert len({c.shape for c in CASES}) >= 7 and {c.style for c in CASES} == {"academic", "poster", "infographic"}


def test_read_back_counts_labels_and_glued_connections():
    case = next(c for c in CASES if c.id == "branching")
    svg = generate(case.instruction, ocr=None, candidates=1, rounds=0).svg.encode()
    assert read_back(svg, case) == ((6, 6), (5, 5))
    broken = svg.replace(b">Masks<", b">Mask<").replace(b'inkscape:connection-end="#boxes"', b"", 1)
    assert broken.count(b"Masks") < svg.count(b"Masks")
    (labels, _), (connections, _) = read_back(broken, case)
    assert labels == 5 and connections == 3  # one end unglued; one joins a box whose label is no longer Masks


def test_the_table_sums_up_the_improvement_per_axis_and_the_median_time():
    axes = dict.fromkeys(("content", "layout", "text", "aesthetic", "role", "artefact"), 10.0)
    results = [CaseResult("a", "pipeline", (3, 3), (2, 2), 1, {**axes, "layout": 8.0, "overall": 9.5},
                          {**axes, "overall": 10.0}, 4.0, 3.0),
               CaseResult("b", "stack", (2, 3), (0, 0), 2, {**axes, "overall": 10.0}, {**axes, "overall": 10.0}, 6.0,
                          5.0)]
    table = format_table(results)
    assert "labels found: 5/6; connections found: 2/2" in table
    assert "improved on the first candidate: 1/2" in table and "layout +2.00" in table
    assert "median time per fresh `crafteditor generate`: 5.0 s" in table
