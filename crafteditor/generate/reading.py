"""What the intent reader gathers (components by name, links, containers, placement
wishes), before it becomes a :class:`~crafteditor.generate.spec.FigureSpec`.

Components are keyed by :func:`~crafteditor.generate.phrases.name_key`, so ``the
Encoder`` and ``encoder block`` are one component; the first mention names it.  The VLM
intent role fills the same record, so both paths share :meth:`Reading.to_spec`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from crafteditor.generate import phrases as ph
from crafteditor.generate.spec import (
    Connection, Element, FigureSpec, Group, LayoutConstraint, Panel, PanelLayout,
)

__all__ = ["Reading"]

_LINK_KIND = {"fwd": "arrow", "rev": "arrow", "back": "dashed"}
_BOTTLENECK = re.compile(r"\b(?:latent|bottleneck|code|embedding|representation|hidden\s+state)\b")
_POSITIONS = {1: ("center",), 2: ("left", "right"), 3: ("left", "center", "right")}


@dataclass
class Reading:
    names: dict[str, str] = field(default_factory=dict)  # key -> display name, in order of mention
    links: list[tuple[str, str, str, str]] = field(default_factory=list)  # (source, target, label, kind)
    members: dict[str, list[str]] = field(default_factory=dict)  # container key -> member keys
    wishes: list[tuple[str, tuple[str, ...]]] = field(default_factory=list)  # (order|same_row|same_column, keys)
    panels: list[str] = field(default_factory=list)
    panel_count: int = 0
    direction: str | None = None
    notes: list[str] = field(default_factory=list)

    # -- gathering ----------------------------------------------------------

    def add(self, name: str) -> str:
        """The component ``name`` mentions.  A one-word mention not met before refers back
        to the one component already named with it as its head noun (``the decoder``
        after ``a text decoder``); with none or several, it is a component of its own."""
        key = ph.name_key(name)
        if key not in self.names and key and " " not in key:
            heads = [k for k in self.names if k.split()[-1] == key]
            if len(heads) == 1:
                return heads[0]
        self.names.setdefault(key, name)
        return key

    def relate(self, sources: list[str], targets: list[str], relation: ph.Relation) -> None:
        for s in sources:
            for t in targets:
                if relation.kind in _LINK_KIND:
                    a, b = (t, s) if relation.kind == "rev" else (s, t)
                    self.link(a, b, relation.label, _LINK_KIND[relation.kind])
                elif relation.kind == "above":
                    self.wishes += [("same_column", (s, t)), ("order", (s, t))]
                elif relation.kind == "below":
                    self.wishes += [("same_column", (t, s)), ("order", (t, s))]
                elif relation.kind == "beside":
                    self.wishes.append(("same_row", (s, t)))

    def link(self, source: str, target: str, label: str = "", kind: str = "arrow") -> None:
        if source != target and not any(l[:2] == (source, target) for l in self.links):
            self.links.append((source, target, label, kind))

    def chain(self, keys: list[str]) -> None:
        for a, b in zip(keys, keys[1:]):
            self.link(a, b)

    def contain(self, parent: str, keys: list[str]) -> None:
        held = self.members.setdefault(parent, [])
        held += [k for k in keys if k != parent and k not in held]

    def stack(self, keys: list[str]) -> None:
        if len(keys) >= 2:
            self.wishes += [("same_column", tuple(keys)), ("order", tuple(keys))]
            self.direction = self.direction or "down"

    def set_panels(self, keys: list[str]) -> None:
        self.panels = list(dict.fromkeys(keys))
        self.panel_count = max(self.panel_count, len(self.panels))

    def merge(self, other: Reading) -> None:
        for key, name in other.names.items():
            self.names.setdefault(key, name)
        for link in other.links:
            self.link(*link)
        for parent, keys in other.members.items():
            self.contain(parent, keys)
        self.wishes += other.wishes
        self.direction = self.direction or other.direction

    # -- finishing ----------------------------------------------------------

    def make_panels(self) -> None:
        """A poster's panels: the named ones, else its top-level containers, else its
        top-level components dealt into ``panel_count`` parts in reading order."""
        if self.panels:
            return
        held = {k for keys in self.members.values() for k in keys}
        top = [k for k in self.names if k not in held]
        boxes = [k for k in top if self.members.get(k)]
        if len(boxes) >= max(2, self.panel_count):
            self.set_panels(boxes[: self.panel_count or len(boxes)])
            return
        if self.panel_count < 2 or len(top) < self.panel_count:
            return
        size = -(-len(top) // self.panel_count)
        parts = [top[i:i + size] for i in range(0, len(top), size)]
        keys = []
        for i, part in enumerate(parts, start=1):
            key = f"#panel {i}"
            self.names[key] = f"Part {i}"
            self.contain(key, part)
            keys.append(key)
        self.set_panels(keys)

    def finish(self) -> None:
        """Structure read from the whole: an encoder and a decoder face each other, joined
        (through a bottleneck component if one is named) when no link joins them."""
        encoders = [k for k in self.names if re.search(r"\bencoders?\b", k)]
        decoders = [k for k in self.names if re.search(r"\bdecoders?\b", k)]
        if not (encoders and decoders):
            return
        self.notes.append("encoder-decoder: the encoder and the decoder face each other in one row")
        self.wishes += [("same_row", (encoders[0], decoders[0])), ("order", (encoders[0], decoders[0]))]
        self.direction = self.direction or "right"
        if not self._reaches(encoders[0], decoders[0]):
            middle = next((k for k in self.names if _BOTTLENECK.search(k) and k not in encoders + decoders), None)
            self.chain([encoders[0], middle, decoders[0]] if middle else [encoders[0], decoders[0]])

    def _reaches(self, start: str, goal: str) -> bool:
        seen, todo = set(), [start]
        while todo:
            node = todo.pop()
            if node == goal:
                return True
            if node not in seen:
                seen.add(node)
                todo += [t for s, t, *_ in self.links if s == node]
        return False

    # -- the spec ------------------------------------------------------------

    def to_spec(self, **fields) -> FigureSpec:
        ids = self._ids()
        parents = self._parents()
        groups = tuple(Group(id=ids[p], name=self.names[p], members=tuple(ids[k] for k in kids))
                       for p, kids in parents.items())
        elements = tuple(Element(id=ids[k], name=n) for k, n in self.names.items() if k not in parents)
        connections = tuple(Connection(id=f"c{i}", source=ids[s], target=ids[t], label=lbl, kind=kind)
                            for i, (s, t, lbl, kind) in enumerate(self.links, start=1))
        constraints = [LayoutConstraint(kind="direction", value=self.direction)] if self.direction else []
        for kind, keys in dict.fromkeys(self.wishes):
            constraints.append(LayoutConstraint(kind=kind, ids=tuple(ids[k] for k in keys)))
        layout = self._layout(ids)
        if layout.count > 1:
            panel_ids = tuple(p.id for p in layout.panels)
            constraints += [LayoutConstraint(kind="order", ids=panel_ids),
                            LayoutConstraint(kind="same_row", ids=panel_ids)]
        return FigureSpec(elements=elements, groups=groups, connections=connections,
                          constraints=tuple(constraints), layout=layout, **fields)

    def _layout(self, ids: dict[str, str]) -> PanelLayout:
        if len(self.panels) < 2:
            return PanelLayout(notes=tuple(self.notes))
        n = len(self.panels)
        positions = _POSITIONS.get(n, tuple(f"column {i}" for i in range(1, n + 1)))
        panels = tuple(Panel(id=ids[k], title=self.names[k], position=pos,
                             components=tuple(ids[m] for m in self.members.get(k, ())))
                       for k, pos in zip(self.panels, positions))
        return PanelLayout(count=n, arrangement="horizontal", panels=panels, notes=tuple(self.notes))

    def _parents(self) -> dict[str, list[str]]:
        """Each container's members, each member in its first container only, no cycles."""
        placed: dict[str, str] = {}
        for parent, keys in self.members.items():
            for k in keys:
                if k not in placed and not self._inside(parent, k, placed):
                    placed[k] = parent
        out: dict[str, list[str]] = {}
        for k, parent in placed.items():
            out.setdefault(parent, []).append(k)
        return {p: out[p] for p in self.names if p in out}

    @staticmethod
    def _inside(item: str, container: str, placed: dict[str, str]) -> bool:
        while item in placed or item == container:
            if item == container:
                return True
            item = placed[item]
        return False

    def _ids(self) -> dict[str, str]:
        ids: dict[str, str] = {}
        for key, name in self.names.items():
            base, n = Reading.slug(name), 2
            ident = base
            while ident in ids.values():
                ident, n = f"{base}-{n}", n + 1
            ids[key] = ident
        return ids

    @staticmethod
    def slug(name: str) -> str:
        """An id from a name: lower-case words joined by ``-``, starting with a letter."""
        words = re.findall(r"[a-z0-9]+", name.lower())
        slug = "-".join(words)[:32].strip("-") or "item"
        return slug if slug[0].isalpha() else f"n-{slug}"
