"""Mask completion: keep the unmasked part of a figure as converted, generate only the region.

    kept, region = complete("partial.png", "mask.png", spec)   # the kept scene, the region's xyxy
    generated = region_scene(spec, kept, region)                # laid out for the region
    figure = merge(kept, generated, region)

The mask is an image of the partial's size (or its aspect) where white, or any non-zero
value in a 0/1 mask, marks the region to generate.  The partial is converted with the
masked pixels blanked to its page colour, so nothing of the region survives; connectors
the mask cut (an unglued end on the region's border) are dropped, since the region
redraws them.  The region is drawn from the specification's components that the kept
part does not show as text, in the kept part's font size, on a canvas of the region's
size; a connection between a kept component and a new one becomes a connector glued
to both, routed once the new part is in place.
"""

from __future__ import annotations

import dataclasses
import difflib
import statistics
from pathlib import Path

import numpy as np

from crafteditor.generate import graph as g
from crafteditor.generate.phrases import name_key
from crafteditor.generate.spec import FigureSpec, LayoutConstraint, PanelLayout, fresh_id
from crafteditor.model.errors import InputError
from crafteditor.model.scene import Box, Element, Kind, Scene

__all__ = ["complete", "kept_ids", "merge", "region_request", "region_scene"]

XYXY = tuple[float, float, float, float]
CUT_SLACK_PX = 4.0  # a connector end this near the region's border was cut by the mask
SAME_NAME = 0.9  # a kept text this alike a component's name shows it (OCR misreads a letter or two)
FIT_TRIES = 4  # smaller spacing and type until the drawing fits the region


def complete(partial_path: str | Path, mask_path: str | Path, spec: FigureSpec) -> tuple[Scene, XYXY]:
    """The partial figure converted with the masked region blanked (the kept scene), and
    the region's box in the partial's pixels.  ``spec`` is what the whole figure shows;
    it is not needed to keep the unmasked part and is taken for the callers' symmetry."""
    from crafteditor.pipeline import convert
    from extraction.image import estimate_background, load_image

    rgb = load_image(Path(partial_path))
    mask = _mask(load_image(Path(mask_path)), rgb.shape[:2])
    ys, xs = np.nonzero(mask)
    if not len(xs):
        raise InputError(f"the mask {mask_path} marks no region to generate")
    region = (float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1))
    blanked = rgb.copy()
    blanked[mask] = estimate_background(rgb)
    scene = convert(blanked, loop=None).scene
    return _without_cut(scene, Box(*region)), region


def _mask(rgb: np.ndarray, hw: tuple[int, int]) -> np.ndarray:
    from PIL import Image

    grey = rgb.max(axis=2)
    if grey.shape != hw:
        if abs(grey.shape[1] / grey.shape[0] - hw[1] / hw[0]) > 0.02:
            raise InputError(f"the mask is {grey.shape[1]}x{grey.shape[0]}, the partial figure {hw[1]}x{hw[0]}")
        grey = np.asarray(Image.fromarray(grey).resize((hw[1], hw[0]), Image.NEAREST))
    return grey > (0 if grey.max() <= 1 else 127)


def _without_cut(scene: Scene, region: Box) -> Scene:
    near = region.expand(CUT_SLACK_PX)

    def cut(e: Element) -> bool:
        if e.kind == Kind.CONNECTOR and e.connector:
            c = e.connector
            return (near.contains_point(*c.points[0]) and c.source_id is None) or \
                (near.contains_point(*c.points[-1]) and c.target_id is None)
        return region.contains_point(*e.box.center)

    return scene.filter(lambda e: not cut(e))


def kept_ids(spec: FigureSpec, kept: Scene) -> dict[str, str]:
    """Each specification element the kept part shows as text, and the kept element that
    stands for it: the shape holding the text, else the text itself.  Exact names pair
    first; a text left over may then stand for a name it differs from by a misread letter
    or two (:data:`SAME_NAME`), each text for one element."""
    texts = {t.id: (name_key(" ".join(t.text.string.split())), t) for t in kept.texts if t.text}
    out: dict[str, str] = {}
    for fuzzy in (False, True):
        for e in spec.elements:
            if e.id in out:
                continue
            key = name_key(e.name)
            alike = [(difflib.SequenceMatcher(None, k, key).ratio(), tid) for tid, (k, _) in texts.items()
                     if (k == key) != fuzzy]
            score, tid = max(alike, default=(0.0, ""))
            if tid and (not fuzzy or score >= SAME_NAME):
                t = texts.pop(tid)[1]
                out[e.id] = t.parent_id or t.id
    return out


def region_request(spec: FigureSpec, kept: Scene, region_xyxy: XYXY, candidate=None) -> g.DrawRequest:
    """The draw request for the region: the components the kept part lacks (and their
    containers and connections), on a canvas of the region's size, in the kept part's
    font size; ids that the kept scene uses are prefixed ``new-``."""
    from crafteditor.generate.plan import draw_request, fixed_direction, propose

    present = kept_ids(spec, kept)
    sub = _missing(spec, set(present), {e.id for e in kept})
    w, h = region_xyxy[2] - region_xyxy[0], region_xyxy[3] - region_xyxy[1]
    if candidate is None:
        candidate = propose(sub, 1)[0]
        if fixed_direction(spec) is None:
            candidate = dataclasses.replace(candidate, direction=g.Direction.RIGHT if w >= h else g.Direction.DOWN)
    request = draw_request(sub, candidate)
    return dataclasses.replace(_kept_look(request, kept, (w, h)), pinned_xyxy=(), canvas_wh=(round(w), round(h)))


def _kept_look(request: g.DrawRequest, kept: Scene, region_wh: tuple[float, float]) -> g.DrawRequest:
    """``request`` in the kept part's look: its median font size, its commonest box fill and
    outline and connector colour, its boxes' median size (within the region)."""
    sizes = [t.style.font_size_px for t in kept.texts if t.style.font_size_px]
    typography, palette = request.typography, request.palette
    if sizes:
        size = min(max(statistics.median(sizes), 9.0), 28.0)
        typography = dataclasses.replace(typography, size_px=size, title_size_px=1.25 * size)
    boxes = [e for e in kept.of_kind(Kind.SHAPE) if any(t.parent_id == e.id for t in kept.texts)]
    fill = _commonest(e.style.fill or kept.background for e in boxes)
    stroke = _commonest(e.style.stroke for e in boxes)
    edge = _commonest(e.style.stroke for e in kept.of_kind(Kind.CONNECTOR))
    palette = dataclasses.replace(palette, fills=(fill,) if fill else palette.fills, stroke=stroke or palette.stroke,
                                  edge=edge or palette.edge)
    nodes = request.nodes
    if boxes:
        wh = (min(statistics.median(e.box.width for e in boxes), region_wh[0] / 2),
              min(statistics.median(e.box.height for e in boxes), region_wh[1] / 2))
        nodes = tuple(dataclasses.replace(n, min_wh_px=(max(n.min_wh_px[0], wh[0]), max(n.min_wh_px[1], wh[1])))
                      for n in nodes)
    return dataclasses.replace(request, typography=typography, palette=palette, nodes=nodes)


def _commonest(values) -> str | None:
    found = [v for v in values if v]
    return max(set(found), key=found.count) if found else None


def _missing(spec: FigureSpec, present: set[str], taken: set[str]) -> FigureSpec:
    """``spec`` cut to the elements not in ``present`` (ids clear of ``taken``)."""
    new = [e for e in spec.elements if e.id not in present]
    if not new:
        raise InputError("nothing to generate: the kept part shows every component of the specification")
    ids = {e.id: e.id for e in new} | {gr.id: gr.id for gr in spec.groups}
    for key in ids:
        if any(x in taken for x in (key, f"{key}-label", f"{key}-icon")):
            ids[key] = f"new-{key}"
    groups = [gr.model_copy(update={"id": ids[gr.id], "members": tuple(ids[m] for m in gr.members if m in ids)})
              for gr in spec.groups]
    groups = [gr for gr in groups if gr.members]
    keep = {ids[e.id] for e in new} | {gr.id for gr in groups}
    conns = [c.model_copy(update={"id": c.id if c.id not in taken else f"new-{c.id}",
                                  "source": ids.get(c.source, ""), "target": ids.get(c.target, "")})
             for c in spec.connections]
    constraints = [LayoutConstraint(kind=c.kind, ids=tuple(ids[i] for i in c.ids if ids.get(i) in keep), value=c.value)
                   for c in spec.constraints if c.kind == "direction" or len([i for i in c.ids if ids.get(i) in keep]) >= 2]
    return spec.model_copy(update={
        "elements": tuple(e.model_copy(update={"id": ids[e.id], "xyxy": None}) for e in new),
        "groups": tuple(groups), "connections": tuple(c for c in conns if c.source in keep and c.target in keep),
        "constraints": tuple(constraints), "layout": PanelLayout(notes=spec.layout.notes), "show_title": False})


def region_scene(spec: FigureSpec, kept: Scene, region_xyxy: XYXY, candidate=None) -> Scene:
    """The region drawn on its own canvas (origin at the region's corner), tighter until it
    fits, with a connector for each connection between a kept and a new component: glued to
    the kept element's id, routed by :func:`merge`."""
    from crafteditor.generate import parts
    from crafteditor.generate.draw import draw
    from crafteditor.generate.plan import DENSITIES

    request = region_request(spec, kept, region_xyxy, candidate)
    want = request.canvas_wh
    scene = draw(request)
    for _ in range(FIT_TRIES):
        if scene.image_wh[0] <= want[0] and scene.image_wh[1] <= want[1]:
            break
        t = request.typography
        request = dataclasses.replace(request, spacing_px=min(request.spacing_px, DENSITIES["compact"]) * 0.8,
                                      typography=dataclasses.replace(t, size_px=0.88 * t.size_px))
        scene = draw(request)
    present = kept_ids(spec, kept)
    drawn = {n.id for n in request.nodes}
    new_id = {e.id: (e.id if e.id in drawn else f"new-{e.id}") for e in spec.elements}
    extra = []
    for c in spec.connections:
        ends = [present.get(c.source) or new_id.get(c.source), present.get(c.target) or new_id.get(c.target)]
        crossing = (c.source in present) != (c.target in present)
        if crossing and all(x in drawn or x in present.values() for x in ends):
            anchor = scene.by_id(ends[0] if ends[0] in drawn else ends[1]).box.center
            cid = c.id if c.id not in {e.id for e in kept} | {e.id for e in scene} else f"new-{c.id}"
            extra.append(parts.connector(cid, c.label, (anchor, anchor), g.EdgeKind(c.kind), "orthogonal",
                                         request.palette.edge, ends[0], ends[1]))
    return scene.add(*extra)


def merge(kept: Scene, generated: Scene, region_xyxy: XYXY) -> Scene:
    """``generated`` moved into the region over ``kept``; ids it shares with ``kept`` get a
    suffix, and each connector with an end glued to a kept element is routed between the
    two boxes (kept elements keep their ids and places)."""
    from crafteditor.generate.layout import orthogonal_route, straight_route
    from crafteditor.generate.shift import shifted

    dx, dy = region_xyxy[0], region_xyxy[1]
    mine = {e.id for e in generated}
    taken = {e.id for e in kept}
    pool = taken | mine
    rename = {i: fresh_id(f"{i}-new", pool) for i in sorted(mine) if i in taken}
    moved = [_renamed(shifted(e, dx, dy), rename, mine) for e in generated]
    boxes = {e.id: e.box for e in (*kept.elements, *moved)}
    out = []
    for e in moved:
        c = e.connector
        if c is not None and ({c.source_id, c.target_id} & (taken - set(rename.values()))):
            a, b = boxes.get(c.source_id or ""), boxes.get(c.target_id or "")
            if a is None or b is None:
                continue
            route = straight_route(a, b) if a.intersection(b) else orthogonal_route(a, b)
            e = e.replace(box=Box.from_points(route), connector=dataclasses.replace(c, points=tuple(route)))
        out.append(e)
    return kept.add(*out)


def _renamed(e: Element, rename: dict[str, str], mine: set[str]) -> Element:
    if not rename:
        return e
    changes: dict = {"id": rename.get(e.id, e.id), "parent_id": rename.get(e.parent_id, e.parent_id)}
    if e.connector is not None:  # an end names the generated element first
        c = e.connector
        changes["connector"] = dataclasses.replace(c, source_id=rename.get(c.source_id, c.source_id),
                                                   target_id=rename.get(c.target_id, c.target_id))
    return e.replace(**changes)

