"""SVG documents as users edit them: reading (``doc``, ``items``, ``geom``, ``text``, ``markers``) and editing (``edit``, ``editops``)."""
