"""Look-alike swaps are made only where the glyph's own ink decides them.

Ordinary words, drawn in every installed candidate face, come back from
measuring exactly as read; a real multiplication sign drawn in the ink is
still found when an engine reads it as a letter, and a capital or lowercase
x read in the wrong case is set right by its height on the line.
"""

from __future__ import annotations

import pytest

from extraction.fonts import candidates
from extraction.text_measure import measure
from tests.drawing import render, word_at

FAMILIES = sorted({c.family for c in candidates()})

# Common English and technical words, many with x, X, l, I, 1, 0 or O.
WORDS = """
Fixed Vertex Index Input Output Box Max Min Matrix Mixer Flexible Extract Exit Syntax Context Text Next Export
Import Explore Example Experiment Expert Explain Expand Expansion Exponential Express Extend External Extra Flux
Linux Proxy Pixel Pixels Taxonomy Toxic Vortex Complex Duplex Reflex Relax Tax Six Sixteen Fox Wax Lexer Maximum
Minimum Approximate Auxiliary Executor Execute Exact Exchange Excel Exclude Exists Expect Explicit Exposure Axis
Axes Taxi Helix Suffix Prefix Appendix Annex Anxiety Oxygen Boxes Inbox Sandbox Checkbox Textbox Mailbox Codex
XML XOR X-ray XY Xeon LaTeX TeX Xavier Xbox Xcode MaxPool Softmax Argmax ReLU GeLU Layer Label Level Line Link
List Local Logic Loss Lookup Loop Low Lower Model Modal Module Pool Pooling Parallel Pull Fill Full Cell Call
Channel Kernel Pixel Tensor Label Normal Global Final Total Global Encoder Decoder Classifier Classification Detail
Downsample Upsample Sample Simple Example Multiple Pipeline Table Cable Tile Title Style Scale Whole While Mobile
Inference Image Images Input Inputs Insert Instance Interface Internal Item Iteration Information Initial Intel
In Is It If Identity Ideal Idle Ignore Illegal Impulse Inline Inner Integer Integral Invalid Inverse IoU mIoU
Object Objective Observation Offset Online Open Operation Operator Optimizer Option Oracle Order Origin Other
Over Overview Owner Output Outer Outline Overlap Zero One Two Ten 10 100 1000 2010 2024 01 0.1 0.01 1.0 10.5 3.14
128 256 512 1024 x1 x2 x4 1x 2x 4x v1 v2 v0 O(n) O(1) CIFAR-10 ResNet-101 ResNet-50 VGG-16 GPT-2 BERT T5 L1 L2
add all and any are as at be but by can data do each for from get go has have how into its key let make map
may new not now of on or out put read run see set so step stop take that the then this to up use value was way
what when which who will with word work write yes you
Attention Self-Attention Cross-Attention Feed Forward Network Embedding Position Positional Token Tokens Patch
Patches Query Keys Values Head Heads Concat Linear Dropout Norm LayerNorm BatchNorm Residual Block Blocks Stage
Stream Server Client Request Response Cache Memory Storage Database Queue Worker Thread Process Kernel Driver
Buffer Frame Shader Render Pipeline Command Device Memory Vulkan Fragment Rasterizer Clipping Blending Depth
Stencil Compute Texture Sampler Uniform Vertex Tessellation Geometry Assembly Primitive Viewport Scissor
""".split()
WORDS = list(dict.fromkeys(WORDS))  # keep order, drop repeats

SIZE_PX = 16


def _lines(words: list[str], per_line: int = 4) -> list[str]:
    return [" ".join(words[i:i + per_line]) for i in range(0, len(words), per_line)]


def _measured(text: str, family: str, size: float, weight: str = "normal") -> str | None:
    rgb = render(f'<text x="10" y="40" font-family="{family}" font-size="{size}" font-weight="{weight}">'
                 f'{text}</text>', width=int(40 + 0.75 * size * len(text)), height=60)
    m = measure(rgb, word_at(text, 10, 40, size, family, weight))
    return None if m is None else m.text


LOOKALIKE = set("xX×lI10O")


@pytest.mark.parametrize("family", FAMILIES)
def test_words_with_look_alikes_are_never_changed(family):
    words = [w for w in WORDS if set(w) & LOOKALIKE]
    changed = [(w, got) for w in words for got in [_measured(w, family, SIZE_PX)] if got != w]
    assert not changed, changed


@pytest.mark.slow
@pytest.mark.parametrize("size", [11, 13, 20])
@pytest.mark.parametrize("family", FAMILIES)
def test_dictionary_lines_are_never_changed(family, size):
    changed = []
    for line in _lines(WORDS):
        got = _measured(line, family, size)
        # Spaces may be restored or kept; the characters may not change.
        if got is None or got.replace(" ", "") != line.replace(" ", ""):
            changed.append((line, got))
    assert not changed, changed


@pytest.mark.parametrize("family", ["Liberation Sans", "Liberation Serif", "DejaVu Sans", "Liberation Mono"])
@pytest.mark.parametrize("drawn, read", [
    ("128 × 128", "128 x 128"), ("3×3 conv", "3x3 conv"), ("×N blocks", "xN blocks"),
    ("Vertex", "VerteX"), ("Fixed", "Fi×ed"), ("X-ray", "x-ray"), ("XML", "xML"), ("128 x 128", "128 X 128"),
])
def test_the_ink_decides_a_look_alike(family, drawn, read):
    size = 20
    rgb = render(f'<text x="10" y="40" font-family="{family}" font-size="{size}">{drawn}</text>',
                 width=int(40 + 0.75 * size * len(drawn)), height=60)
    m = measure(rgb, word_at(read, 10, 40, size, family))
    assert m is not None and m.text == drawn


@pytest.mark.parametrize("family", ["Liberation Serif", "DejaVu Serif", "Liberation Sans", "DejaVu Sans"])
@pytest.mark.parametrize("drawn, read", [
    ("CIassifier", "CIassifier"), ("Classifier", "CIassifier"), ("DownsampIe", "DownsampIe"), ("Downsample", "DownsampIe"),
])
def test_a_capital_i_read_in_a_lowercase_word_is_an_l_unless_the_ink_shows_an_i(family, drawn, read):
    size = 20
    rgb = render(f'<text x="10" y="40" font-family="{family}" font-size="{size}">{drawn}</text>',
                 width=int(40 + 0.75 * size * len(drawn)), height=60)
    m = measure(rgb, word_at(read, 10, 40, size, family))
    serif = "Serif" in family
    # A serif face draws I and l apart: the ink decides.  A sans face draws them
    # alike: the word's context settles what the ink cannot.
    want = drawn if serif else drawn.replace("I", "l")
    assert m is not None and m.text == want
