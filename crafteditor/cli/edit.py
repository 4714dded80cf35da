"""``crafteditor inspect``, ``edit`` and ``export``: the command line of element-level
editing and of the exports (``crafteditor.svg.edit``, ``crafteditor.export``)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from crafteditor.model.errors import InputError

INSPECT_HELP = """\
List every element of an SVG (any SVG, not only crafteditor's): its id, kind,
layer, label or text, box (x0 y0 x1 y1 in the SVG's user units) and, for
connectors, the shapes they join.  Elements without an id are listed with the
stable id that edit and export give them.

examples:
  crafteditor inspect figure.svg
  crafteditor inspect figure.svg --kind connector
  crafteditor inspect figure.svg --json > elements.json
"""
EDIT_HELP = """\
Select elements with --where and change them; several selections and
operations per call, applied in the order given.  Each --where starts a new
selection (consecutive --where options must all match); the operations after it
apply to it.  A selection that matches nothing is an error; one that matches
several needs --all.

selectors:
  id:ID          the element with this id (see crafteditor inspect)
  text:STRING    text that reads exactly STRING (a whole label or one line);
  text:~PART     text containing PART (case-insensitive)
  label:NAME     the element whose inkscape:label is NAME (label:~PART too)
  kind:KIND      layer, group, shape, path, connector, line, text, image, use
Elements in a locked layer (the Background) are selected by id: only.

Connectors glued to a moved or resized shape follow it, the labels inside a box
move (and are deleted) with it, and connectors left dangling by a deletion are
reported.  Elements the edit does not touch are left byte for byte as they were.
The input is never written unless --in-place is given.

examples:
  crafteditor edit fig.svg -o fixed.svg --where text:Encodr --set-text Encoder
  crafteditor edit fig.svg -o poster.svg --where kind:shape --all --fill '#fde2d4' \\
      --where text:~loss --text-color red --font-size 24
  crafteditor edit fig.svg -o moved.svg --where id:shape-0003 --move 40,0
  crafteditor edit fig.svg --in-place --where id:icon-0001 --swap-image logo.png
"""
EXPORT_HELP = """\
Export an SVG for another editor.  Every format keeps text as text and shapes
as shapes; none is a picture of the figure.

formats:
  inkscape  SVG with Inkscape layers, labels, connectors and a namedview
  plain     standard SVG without editor namespaces
  png, pdf  rendered with cairosvg (--scale or --dpi; 96 dpi is scale 1)
  drawio    draw.io / diagrams.net file: shapes, text, edges glued to their shapes, images
  pptx      PowerPoint slide: shapes, text boxes, connectors between shapes, pictures

References to files or URLs outside the SVG are never read (only embedded
data: images are); each one is reported.

examples:
  crafteditor export fig.svg --to drawio -o fig.drawio
  crafteditor export fig.svg --to pptx -o fig.pptx
  crafteditor export fig.svg --to png --dpi 300 -o fig.png
"""


class _Ordered(argparse.Action):
    """Appends ``(dest, value)`` to ``namespace.steps`` so the order of options is kept."""

    def __call__(self, parser: Any, namespace: Any, values: Any, option_string: str | None = None) -> None:
        steps = list(getattr(namespace, "steps", None) or [])
        steps.append((self.dest, self.const if self.nargs == 0 else values))
        namespace.steps = steps


def _pair(text: str) -> tuple[float, float]:
    parts = text.replace(" ", "").split(",")
    try:
        if len(parts) == 2:
            return float(parts[0]), float(parts[1])
    except ValueError:
        pass
    raise argparse.ArgumentTypeError(f"expected two numbers as DX,DY, got {text!r}")


def _size(text: str) -> tuple:
    t = text.strip()
    try:
        if t.endswith("%"):
            return ("scale", float(t[:-1]) / 100.0)
        if t.lower().startswith("x"):
            return ("scale", float(t[1:]))
        w, h = _pair(t)
        if w > 0 and h > 0:
            return ("size", w, h)
    except (ValueError, argparse.ArgumentTypeError):
        pass
    raise argparse.ArgumentTypeError(f"expected W,H (both above 0), a scale such as x1.5, or 150%, got {text!r}")


def _number(text: str) -> float:
    try:
        return float(text.removesuffix("px"))
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a size in px, got {text!r}") from None


OPS = (  # (flag, dest, metavar, type, help); metavar None: a flag with no value
    ("--set-text", "set_text", "TEXT", str, r"replace the text (\n starts a new line); on a box, its label"),
    ("--move", "move", "DX,DY", _pair, "move by DX,DY user units (connected arrows and labels follow)"),
    ("--resize", "resize", "W,H", _size, "resize to W,H, or scale: x1.5 or 150%% (top-left corner stays)"),
    ("--fill", "fill", "COLOUR", str, "fill colour of shapes (#rrggbb, rgb(), a name, none)"),
    ("--stroke", "stroke", "COLOUR", str, "outline or line colour (arrowheads too)"),
    ("--text-color", "text_color", "COLOUR", str, "text colour (of a box: of its labels)"),
    ("--font-size", "font_size", "N", _number, "font size in px"),
    ("--font-family", "font_family", "NAME", str, "font family, e.g. 'Liberation Serif, serif'"),
    ("--delete", "delete", None, None, "delete (a box: with its labels)"),
    ("--swap-image", "swap_image", "FILE", str, "put a PNG, JPEG or SVG in the element's box"),
    ("--bring-forward", "bring_forward", None, None, "draw one step later (in front of the next sibling)"),
    ("--send-backward", "send_backward", None, None, "draw one step earlier"),
)


def add_parsers(commands: argparse._SubParsersAction, add_traceback_flag: Any) -> None:
    fmt = argparse.RawDescriptionHelpFormatter
    p = commands.add_parser("inspect", help="list the elements of an SVG", description=INSPECT_HELP,
                            formatter_class=fmt)
    p.add_argument("svg", metavar="FILE.svg", type=Path)
    p.add_argument("--json", action="store_true", help="print JSON instead of a table")
    p.add_argument("--kind", help="only elements of this kind")
    add_traceback_flag(p)
    p.set_defaults(func=run_inspect)

    p = commands.add_parser("edit", help="change elements of an SVG", description=EDIT_HELP, formatter_class=fmt)
    p.add_argument("svg", metavar="IN.svg", type=Path)
    p.add_argument("-o", "--output", metavar="OUT.svg", type=Path, help="where the edited SVG goes")
    p.add_argument("--in-place", action="store_true", help="write the edited SVG over IN.svg")
    p.add_argument("--all", action="store_true", help="let a selection change every element it matches")
    p.add_argument("--where", dest="where", action=_Ordered, metavar="SELECTOR", help="select elements (see above)")
    for flag, dest, metavar, kind, text in OPS:
        if metavar is None:
            p.add_argument(flag, dest=dest, action=_Ordered, nargs=0, const=True, help=text)
        else:
            p.add_argument(flag, dest=dest, action=_Ordered, metavar=metavar, type=kind, help=text)
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    add_traceback_flag(p)
    p.set_defaults(func=run_edit, steps=[])

    from crafteditor.export import FORMATS

    p = commands.add_parser("export", help="export an SVG to Inkscape, plain SVG, PNG, PDF, draw.io or PPTX",
                            description=EXPORT_HELP, formatter_class=fmt)
    p.add_argument("svg", metavar="IN.svg", type=Path)
    p.add_argument("--to", required=True, choices=tuple(FORMATS), help="the format")
    p.add_argument("-o", "--output", metavar="OUT", type=Path,
                   help="where it goes (default: IN with the format's suffix)")
    p.add_argument("--scale", type=float, default=1.0, help="png and pdf: size over the SVG's (default 1)")
    p.add_argument("--dpi", type=float, help="png and pdf: resolution (overrides --scale; 96 is scale 1)")
    p.add_argument("-q", "--quiet", action="store_true", help="print nothing but errors")
    add_traceback_flag(p)
    p.set_defaults(func=run_export)


def run_inspect(args: argparse.Namespace) -> int:
    import json

    from crafteditor.svg.items import KINDS, items
    from crafteditor.svg.doc import SvgDocument

    if args.kind and args.kind not in KINDS:
        raise InputError(f"unknown kind {args.kind!r}: the kinds are {', '.join(KINDS)}")
    found = [it for it in items(SvgDocument.read(args.svg)) if not args.kind or it.kind == args.kind]
    if args.json:
        print(json.dumps([_item_json(it) for it in found], indent=2, ensure_ascii=False))
        return 0
    print(f"{'id':24} {'kind':9} {'layer':12} {'box (x0 y0 x1 y1)':24} label / text")
    for it in found:
        box = " ".join(f"{v:.0f}" for v in it.box.xyxy) if it.box else "-"
        words = (it.text or it.label).replace("\n", " / ")
        if it.kind == "connector":
            words = f"{it.source_id or '?'} -> {it.target_id or '?'}" + (f"  ({it.label})" if it.label else "")
        print(f"{it.id:24} {it.kind:9} {(it.layer or '-')[:12]:12} {box:24} {words[:60]}")
    print(f"{len(found)} element(s)")
    return 0


def _item_json(it: Any) -> dict[str, Any]:
    out = {"id": it.id, "kind": it.kind, "tag": it.tag, "layer": it.layer, "label": it.label,
           "box": [round(v, 2) for v in it.box.xyxy] if it.box else None}
    if it.kind == "text":
        out["text"] = it.text
    if it.kind in ("connector", "line"):
        out["connects"] = {"start": it.source_id, "end": it.target_id}
        out["marks"] = {"start": it.start_mark or None, "end": it.end_mark or None}
        out["points"] = [[round(x, 2), round(y, 2)] for x, y in it.points]
    if it.geometry:
        out["geometry"] = it.geometry
    if it.parent_id:
        out["parent"] = it.parent_id
    if it.locked:
        out["locked"] = True
    return out


def build_steps(pairs: list[tuple[str, Any]], many: bool) -> list[Any]:
    """``--where`` and operation options, in order, as ``Step``s."""
    from crafteditor.svg.edit import Operation, Selector, Step

    steps: list[Any] = []
    selectors: list[Any] = []
    ops: list[Any] = []
    for dest, value in pairs:
        if dest == "where":
            if ops:
                steps.append(Step(tuple(selectors), tuple(ops), many))
                selectors, ops = [], []
            selectors.append(Selector.parse(value))
        else:
            if not selectors:
                raise InputError(f"--{dest.replace('_', '-')} needs a selection first: put --where before it")
            ops.append(Operation(dest, value.replace("\\n", "\n") if dest == "set_text" else value))
    if selectors and not ops:
        raise InputError(f"--where {selectors[-1]} is followed by no operation")
    if ops:
        steps.append(Step(tuple(selectors), tuple(ops), many))
    if not steps:
        raise InputError("nothing to do: give --where SELECTOR and an operation (see crafteditor edit --help)")
    return steps


def run_edit(args: argparse.Namespace) -> int:
    from crafteditor.svg.edit import edit_file

    if args.in_place and args.output is not None:
        raise InputError("give either -o OUT.svg or --in-place, not both")
    steps = build_steps(args.steps, args.all)
    report = edit_file(args.svg, steps, out=args.output, in_place=args.in_place)
    if not args.quiet:
        for note in report.notes:
            print(f"crafteditor: {note}", file=sys.stderr)
        where = args.svg if args.in_place else args.output
        print(f"wrote {where}: {len(report.changed)} element(s) changed")
    return 0


def run_export(args: argparse.Namespace) -> int:
    from crafteditor.export import ExportOptions, default_output, export_file

    if args.dpi is not None and args.dpi <= 0:
        raise InputError(f"--dpi must be more than 0, got {args.dpi:g}")
    result = export_file(args.svg, args.to, args.output, ExportOptions(scale=args.scale, dpi=args.dpi))
    if not args.quiet:
        for warning in result.warnings:
            print(f"crafteditor: warning: {warning}", file=sys.stderr)
        where = args.output or default_output(args.svg, args.to)
        print(f"wrote {where} ({args.to}, {len(result.data):,} bytes)")
    return 0
