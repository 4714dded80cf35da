"""``crafteditor.generate.generate``: an instruction (with a sketch, a partial figure or key elements)
to an editable, layered SVG, through CRAFTER's harness.

    result = generate("Tokenizer -> Encoder -> Decoder, left to right")
    result.svg, result.spec, result.trace, result.critique

A pass at a time: read the intent (a model's reading when one is configured, else the
offline grammar; a sketch is read by ``conditions.spec_from_sketch``), add the key
elements, set up the mask completion, plan K candidates, and run the loop
(``crafteditor.generate.loop``) with the offline executor, or an image model whose
rasters ``convert`` makes editable.  The critic reads every candidate back with OCR
(rapidocr, loaded once) and, with a model configured, asks it too.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from crafteditor.generate.critic import Critique
from crafteditor.generate.loop import GenConfig, run
from crafteditor.generate.spec import FigureSpec, InputCondition, Role
from crafteditor.generate.trace import CallRecord, GenerationTrace
from crafteditor.model.errors import InputError

__all__ = ["Generation", "generate", "STYLES"]

STYLES: tuple[Role, ...] = ("academic", "poster", "infographic")
Progress = Callable[[str], None]


@dataclass(frozen=True)
class Generation:
    """What ``generate`` returns: the best figure's SVG (and PNG when asked), the spec it
    was drawn from (with every edit in its history), the loop's trace and its critique."""

    svg: str = field(repr=False)
    spec: FigureSpec = field(repr=False)
    trace: GenerationTrace = field(repr=False)
    critique: Critique
    png: bytes | None = field(default=None, repr=False)


def generate(instruction: str, *, context: str | None = None, caption: str | None = None, style: Role = "academic",
             sketch: str | Path | None = None, partial: str | Path | None = None, mask: str | Path | None = None,
             elements: Sequence[str | Path] = (), candidates: int | None = None, rounds: int = 3,
             vlm: Any = None, image_model: Any = None, png: bool = False, ocr: str | None = "rapidocr",
             engine: Any = None, progress: Progress | None = None) -> Generation:
    """Generate a figure.

    ``context``: paper text the components may be read from; ``caption``: the figure's
    caption, which picks the context's passage; ``vlm``: a ``crafteditor.vlm.config.VlmConfig``
    (None: every role offline); ``image_model``: a model name on the VLM's endpoint (or the
    environment's), or a ``VlmConfig`` for the images endpoint; ``ocr``: the read-back
    engine (None: none); ``engine``: a layout engine (None: ELK, else dot).  Raises
    ``InputError`` for bad input."""
    say = progress or (lambda _m: None)
    _check(instruction, style, sketch, partial, mask, elements, rounds)
    client = _client(vlm)
    executor = None
    try:
        spec, calls = _seed(client, instruction, context or "", caption or "", style, sketch, partial, elements)
        if not spec.elements:
            raise InputError("no component to draw was found in the instruction or the context: name them, "
                             "e.g. 'Encoder -> Decoder -> Head' or a numbered list of steps")
        completion = _completion(partial, mask, spec) if partial is not None else None
        executor = _executor(image_model, vlm, engine, completion)
        from crafteditor.generate.critics import CriticRole
        from crafteditor.generate.roles import propose_with

        proposals, call = propose_with(client, spec, candidates)
        calls.append(CallRecord.of(call))
        say(f"{len(spec.elements)} components, {len(spec.connections)} connections; "
            f"{len(proposals)} candidate(s), at most {rounds} round(s)")
        critic = CriticRole(_ocr(ocr), client)
        best, trace = run(spec, executor, critic, GenConfig(rounds=rounds, candidates=candidates), say, proposals)
    finally:
        for closable in (client, executor):
            if hasattr(closable, "close"):
                closable.close()
    trace = GenerationTrace(trace.rounds, trace.best, trace.stopped,
                            tuple(calls) + tuple(critic.calls) + _image_calls(executor))
    svg = best.drawn.svg.decode("utf-8")
    return Generation(svg, best.spec, trace, best.critique, _png(best.drawn.svg) if png else None)


def _check(instruction: str, style: str, sketch, partial, mask, elements, rounds: int) -> None:
    from crafteditor.model.io import read_input_bytes

    if not isinstance(instruction, str) or not instruction.strip():
        raise InputError("the instruction is empty: say what the figure shows")
    if style not in STYLES:
        raise InputError(f"unknown style {style!r}: choose one of {', '.join(STYLES)}")
    if (partial is None) != (mask is None):
        raise InputError("a mask completion needs both a partial figure and its mask")
    if sketch is not None and partial is not None:
        raise InputError("give a sketch or a partial figure, not both")
    if rounds < 0:
        raise InputError(f"rounds must be at least 0, got {rounds}")
    for path, what in [(sketch, "sketch"), (partial, "partial figure"), (mask, "mask"),
                       *((p, "key element picture") for p in elements)]:
        if path is not None:
            read_input_bytes(path, what)  # exists, is a file, can be read


def _client(vlm: Any) -> Any:
    if vlm is None:
        return None
    from crafteditor.vlm.client import VlmClient

    return VlmClient(vlm)


def _seed(client: Any, instruction: str, context: str, caption: str, style: Role, sketch, partial,
          elements) -> tuple:
    from crafteditor.generate.intent import add_key_elements
    from crafteditor.generate.roles import read_intent_with

    calls: list[CallRecord] = []
    if sketch is not None:
        from crafteditor.generate import conditions

        spec = conditions.spec_from_sketch(Path(sketch), instruction, context, style)
    else:
        condition = InputCondition.MASK if partial is not None else InputCondition.TEXT
        spec, call = read_intent_with(client, instruction, context, style=style, caption=caption,
                                      condition=condition)
        calls.append(CallRecord.of(call))
    if elements:
        spec = add_key_elements(spec, [Path(p) for p in elements])
    return spec, calls


def _completion(partial, mask, spec: FigureSpec) -> Any:
    from crafteditor.generate.execute import Completion

    from crafteditor.generate import conditions

    kept, region = conditions.complete(Path(partial), Path(mask), spec)
    return Completion(kept, tuple(float(v) for v in region))


def _executor(image_model: Any, vlm: Any, engine: Any, completion: Any) -> Any:
    from crafteditor.generate.execute import OfflineExecutor

    offline = OfflineExecutor(engine, completion)
    if image_model is None:
        return offline
    from crafteditor.generate.imagegen import ImageModelExecutor
    from crafteditor.vlm.config import VlmConfig

    if not isinstance(image_model, VlmConfig):
        image_model = VlmConfig.from_env(vlm.base_url if vlm else None, vlm.api_key if vlm else None,
                                         str(image_model), timeout_s=vlm.timeout_s if vlm else 60.0,
                                         use_cache=False)
    return ImageModelExecutor(image_model, offline)


def _image_calls(executor: Any) -> tuple[CallRecord, ...]:
    if getattr(executor, "name", "") != "image-model":
        return ()
    out = tuple(CallRecord("image-model", "fallback", 2, error=why) for why in executor.failures)
    return out + ((CallRecord("image-model", "vlm", executor.painted),) if executor.painted else ())


def _ocr(name: str | None) -> Any:
    if name is None:
        return None
    from extraction.ocr import get_engine

    return get_engine(name)


def _png(svg: bytes) -> bytes:
    from checkers.render import render_file

    return render_file(svg, "png")
