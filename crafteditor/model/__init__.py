"""The kernel: the vocabulary every layer shares.

Findings and the closed set of typed fixes live here, below the checkers that
report them, the reviser that applies them and the VLM schema that asks for
them.  Modules of this package import nothing from the rest of the project
apart from ``crafteditor.model.scene``'s ``Box``.
"""
