"""Judging an SVG against its source: pure functions returning findings."""
