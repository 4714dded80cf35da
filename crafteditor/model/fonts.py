"""The one font resolver: where an installed font file is, by file name or by the kind of
face a family asks for.  The text measures of extraction and the SVG document wing both
find their fonts here."""

from __future__ import annotations

import subprocess
from functools import lru_cache
from pathlib import Path

FONT_DIRS = (Path("/usr/share/fonts"), Path("/usr/local/share/fonts"), Path.home() / ".fonts")
# per kind of face: (regular, bold) file names, the first installed one wins
FACE_FILES = {
    "Sans": (("LiberationSans-Regular.ttf", "DejaVuSans.ttf"), ("LiberationSans-Bold.ttf", "DejaVuSans-Bold.ttf")),
    "Serif": (("LiberationSerif-Regular.ttf", "DejaVuSerif.ttf"),
              ("LiberationSerif-Bold.ttf", "DejaVuSerif-Bold.ttf")),
    "Mono": (("LiberationMono-Regular.ttf", "DejaVuSansMono.ttf"),
             ("LiberationMono-Bold.ttf", "DejaVuSansMono-Bold.ttf")),
}


@lru_cache(maxsize=128)
def find_font_file(file_name: str, fontconfig_query: str = "") -> Path | None:
    """The installed font file called ``file_name`` in the font folders; failing that, the
    file fontconfig matches ``fontconfig_query`` to, when it has that name."""
    for root in FONT_DIRS:
        if root.is_dir():
            for hit in root.rglob(file_name):
                return hit
    if not fontconfig_query:
        return None
    try:
        out = subprocess.run(["fc-match", "-f", "%{file}", fontconfig_query],
                             capture_output=True, text=True, timeout=5, check=False).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return Path(out) if out.endswith(file_name) else None


def face_kind(family: str) -> str:
    """``Sans``, ``Serif`` or ``Mono``: the kind of face a family name asks for."""
    name = family.lower()
    if "mono" in name or "courier" in name:
        return "Mono"
    if ("serif" in name and "sans" not in name) or "times" in name or "georgia" in name:
        return "Serif"
    return "Sans"


@lru_cache(maxsize=64)
def face_file(family: str, bold: bool) -> Path | None:
    """The installed file closest to ``family`` (one family name) in weight ``bold``."""
    for candidate in FACE_FILES[face_kind(family)][bold]:
        path = find_font_file(candidate)
        if path is not None:
            return path
    return None
