"""CRAFTER generation: an instruction, a sketch, a partial figure or key elements to an
editable, layered SVG, through the same designer → executor → critic → reviser loop as
``convert``."""
