"""Font files by family name (through fontconfig, as cairo finds them) and text widths."""

from __future__ import annotations

import functools
import shutil
import subprocess

from PIL import ImageFont

_FALLBACK = "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf"


@functools.lru_cache(maxsize=64)
def font_path(family: str, bold: bool = False) -> str:
    """The file fontconfig picks for ``family`` (DejaVu Sans when fc-match is missing)."""
    exe = shutil.which("fc-match")
    if exe is None:
        return _FALLBACK
    pattern = f"{family}:weight={'bold' if bold else 'regular'}"
    done = subprocess.run([exe, "-f", "%{file}", pattern], capture_output=True, text=True, check=False)
    return done.stdout.strip() or _FALLBACK


@functools.lru_cache(maxsize=256)
def _font(family: str, bold: bool, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(font_path(family, bold), size)


def measure(text: str, family: str, bold: bool, size_px: float) -> float:
    """Advance width of ``text`` in pixels at ``size_px`` (rounded to a whole size)."""
    return float(_font(family, bold, max(int(round(size_px)), 1)).getlength(text))
