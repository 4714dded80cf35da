"""``python -m crafteditor``: the same command line as the ``crafteditor`` script."""

from crafteditor.cli import main

raise SystemExit(main())
