"""The verify-then-refine loop shared by conversion and generation (``harness``), and the editor's roles (``editor``)."""
