"""A typed scene to SVG: the Inkscape-friendly writer and traced assets."""
