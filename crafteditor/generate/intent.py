"""The offline intent reasoner: an instruction (and optional paper context) to a seed specification.

    spec = read_intent("Tokenizer → Encoder → Decoder, left to right", style="academic")

It reads, with the phrase grammar of :mod:`crafteditor.generate.phrases`:

- relations in a sentence: ``A → B``, ``A feeds B``, ``from A to B``, ``A then B``,
  ``B receives X from A``, ``A loops back to B`` (a dashed feedback), ``A above B``;
- lists with a head: numbered steps and ``stages: A, B, C`` are chains; ``X consists of
  A, B and C`` (or ``X has:`` and bullets) is a container X around A, B, C (chained
  when X is a process: a pipeline, framework, workflow, ...); ``layers: ...`` is a
  stack; ``three panels: A, B, C`` are panels;
- layout hints: ``left to right``, ``top to bottom``/``stacked``, an encoder and a
  decoder side by side, ``N panels`` for posters.

When the instruction names fewer than two components (a generic request), the context is
read for containers, arrows and numbered steps only, and the reading that shares the
most words with the caption (or the instruction) is kept.  Deterministic: the same
text gives the same spec.
"""

from __future__ import annotations

import re
from pathlib import Path

from crafteditor.generate import phrases as ph
from crafteditor.generate.reading import Reading
from crafteditor.generate.spec import REFERENCE_OF, Element, FigureSpec, InputCondition, Role, fresh_id

__all__ = ["add_key_elements", "read_intent", "reading_of"]

LIST_ITEM_MAX_WORDS = 10  # a bulleted or numbered item may be a short imperative step
ENUMERATION_MAX_WORDS = 4  # a name in a plain sentence's list (``A, B and C``)
HEAD_MAX_WORDS = 12  # the words before a colon that introduce a list
_NUMBERED = re.compile(r"^\s*(?:step\s*)?\(?(\d{1,2})[.):]\s+(.+)$", re.I)
_BULLET = re.compile(r"^\s*[-*•·▪]\s+(.+)$")
_ITEM_SEPARATOR = re.compile(r"\s*(?::|\s[-–—]\s)\s*")
_CONTAINER_VERB = (r"consists?\s+of|(?:is|are)\s+(?:composed|made(?:\s+up)?)\s+of|comprises?|comprising|"
                   r"contains?|containing|combines?|combining|includes?|including|encloses?|wraps?|"
                   r"(?:is|are)\s+divided\s+into")
_CONTAINER = re.compile(rf"^(?P<head>.*?)\b(?:{_CONTAINER_VERB})\b[:\s]*(?P<rest>.+)$", re.I | re.S)
_HAS = re.compile(rf"\b(?:{_CONTAINER_VERB}|has|have|with)\b", re.I)
_FLOW_NOUN = re.compile(r"\b(?:pipeline|process|workflow|procedure|framework|steps?|stages?|phases?|sequence|"
                        r"flow|chain|loop|algorithm)\b", re.I)
_STACK_NOUN = re.compile(r"\b(?:layers|stack|tiers|levels)\b|\blayered\b", re.I)
_PANEL_NOUN = re.compile(r"\b(?:panels|sections|columns)\b", re.I)
_COUNT = re.compile(r"\b(two|three|four|five|six|seven|eight|nine|ten|\d{1,2})\s+(?:panels|sections|columns)\b", re.I)
_NUMBERS = {w: i for i, w in enumerate("zero one two three four five six seven eight nine ten".split())}
_TITLE = re.compile(r"\b(?:titled|entitled)\s*:?\s*[\"“']?([^\"”'\n.;]+)|^\s*title\s*:\s*(.+)$", re.I | re.M)
_FIGURE_TAG = re.compile(r"^\s*(?:fig(?:ure)?\.?)\s*\d+[a-z]?\s*[:.]\s*", re.I)
_PARENS = re.compile(r"\s*\([^()]*\)")
_PREPOSITION_SPLIT = re.compile(r",|\b(?:within|in|inside|of|on|for|to|with|by|from|into|at|using|via)\b", re.I)


def read_intent(instruction: str, context: str = "", *, style: Role = "academic", caption: str = "",
                condition: InputCondition = InputCondition.TEXT) -> FigureSpec:
    """The seed specification of ``instruction`` (with ``context`` paper text and an
    optional figure ``caption``) for a figure of role ``style``."""
    reading = reading_of(instruction, context, caption, style)
    title, explicit = _title(instruction, caption)
    return reading.to_spec(instruction=instruction, title=title,
                           show_title=bool(title) and (explicit or style != "academic"),
                           role=style, condition=condition, reference_role=REFERENCE_OF[condition])


def reading_of(instruction: str, context: str = "", caption: str = "", style: Role = "academic") -> Reading:
    """What the offline grammar finds, before it becomes a spec."""
    reading = Reading()
    _read_text(instruction, reading, strict=False)
    if len(reading.names) < 2:
        for text in (caption, context):
            best = _best_context_reading(text, f"{caption} {instruction}")
            if best is not None:
                reading.merge(best)
                break
    if style == "poster":
        reading.make_panels()
    reading.finish()
    return reading


def add_key_elements(spec: FigureSpec, paths: list[str | Path]) -> FigureSpec:
    """``spec`` with one pictured element per image path (named after the file); an element
    of the same name gets the picture instead.  The condition becomes key elements."""
    elements = list(spec.elements)
    for path in map(Path, paths):
        name = re.sub(r"[_-]+", " ", path.stem).strip() or "Picture"
        name = name[0].upper() + name[1:]
        same = next((i for i, e in enumerate(elements) if ph.name_key(e.name) == ph.name_key(name)), None)
        if same is not None:
            elements[same] = elements[same].model_copy(update={"image_path": str(path), "realization": "icon"})
        else:
            taken = {e.id for e in elements} | {g.id for g in spec.groups}
            elements.append(Element(id=fresh_id(f"pic-{Reading.slug(name)}", taken), name=name,
                                    realization="icon", image_path=str(path), placement="as given"))
    return spec.model_copy(update={"elements": tuple(elements), "condition": InputCondition.KEY_ELEMENTS,
                                   "reference_role": REFERENCE_OF[InputCondition.KEY_ELEMENTS]})


# -- text, lists and sentences ----------------------------------------------------


def _read_text(text: str, reading: Reading, strict: bool) -> None:
    text, direction, _ = ph.layout_hints(text)
    if direction:
        reading.direction = direction
    for count in _COUNT.finditer(text):
        word = count.group(1).lower()
        reading.panel_count = int(word) if word.isdigit() else _NUMBERS[word]
    prose: list[str] = []
    for head, items, numbered in _blocks([part for line in text.splitlines() for part in _inline_steps(line)], prose):
        _read_list(head, items, numbered, reading)
    for sentence in ph.split_sentences("\n".join(prose)):
        _read_sentence(sentence, reading, strict)


_ENUMERATOR = re.compile(r"(?:(?<=\s)|^)\(?(\d{1,2})[.)]\s+")


def _inline_steps(line: str) -> list[str]:
    """A line numbering its items in a run (``1. a 2. b 3. c``) as one line per item, its
    text before the first number a line of its own; any other line as it is."""
    found = list(_ENUMERATOR.finditer(line))
    numbers = [int(m.group(1)) for m in found]
    start = next((i for i, n in enumerate(numbers) if n == 1), None)
    if start is None or numbers[start:] != list(range(1, len(numbers) - start + 1)) or len(numbers) - start < 2:
        return [line]
    run = found[start:]
    head = line[:run[0].start()].strip()
    items = [f"{m.group(1)}. " + line[m.end():(run[i + 1].start() if i + 1 < len(run) else len(line))].strip(" ,;")
             for i, m in enumerate(run)]
    return ([head] if head else []) + items


def _blocks(lines: list[str], prose: list[str]):
    """Runs of numbered or bulleted lines with the prose line before them as their head;
    other lines go to ``prose``.  A continued item line joins its item."""
    items: list[str] = []
    numbered, head = False, ""
    for line in [*lines, ""]:
        number, bullet = _NUMBERED.match(line), _BULLET.match(line)
        if number or bullet:
            if not items:
                head = _list_head(prose)
                numbered = bool(number)
            items.append((number or bullet).group(number and 2 or 1))
            continue
        if items and line.strip() and line.startswith((" ", "\t")):
            items[-1] += " " + line.strip()
            continue
        if items:
            yield head, items, numbered
            items = []
        prose.append(line)


def _list_head(prose: list[str]) -> str:
    """The prose line that introduces a list (ending in a colon, blank lines between
    allowed), taken out of ``prose``; '' if none."""
    at = len(prose) - 1
    while at >= 0 and not prose[at].strip():
        at -= 1
    if at >= 0 and prose[at].rstrip().endswith(":"):
        return prose.pop(at)
    return ""


def _read_list(head: str, items: list[str], numbered: bool, reading: Reading) -> None:
    if ph.directive(head.rsplit(".", 1)[-1]):
        return  # "Style requirements:" lists directives, not components
    names = [n for n in (_item_name(i, reading) for i in items if not ph.directive(i)) if n]
    keys = [reading.add(n) for n in names]
    if _PANEL_NOUN.search(head):
        reading.set_panels(keys)
        return
    if _STACK_NOUN.search(head) and not numbered:
        reading.stack(keys)
        return
    container = _HAS.search(head)
    if container:
        parent = _container_name(head[: container.start()])
        if parent:
            reading.contain(reading.add(parent), keys)
            head = parent
    if numbered or _FLOW_NOUN.search(head):
        reading.chain(keys)


def _item_name(item: str, reading: Reading) -> str:
    """A list item's component: the words before a separator (``Tokenizer: splits text``),
    or the item itself; an item with relations is read as a sentence and gives its first name,
    unless nothing stands before its first relation (``Split into train and test sets``: a
    step told as an imperative, which names itself)."""
    head = _ITEM_SEPARATOR.split(item.strip(), maxsplit=1)[0]
    segments, relations = ph.split_marked(ph.mark(head))
    if relations and ph.noun_phrases(segments[0]):
        found = _read_sentence(head, reading, strict=False)
        return found[0] if found else ""
    return ph.clean_name(head, LIST_ITEM_MAX_WORDS)


def _read_sentence(sentence: str, reading: Reading, strict: bool) -> list[str]:
    """Read one sentence into ``reading``; the names it found, in order."""
    head, colon, rest = sentence.partition(":")
    if colon and len(head.split()) <= HEAD_MAX_WORDS and rest.strip() and not ph.split_marked(ph.mark(rest))[1]:
        items = _enumeration(rest)
        if items and (len(items) >= 2 or _HAS.search(head)):
            _read_list(head, items, False, reading)
            return items
    found = _CONTAINER.match(sentence)
    if found:
        return _read_container(found["head"], found["rest"], reading, strict)
    names = _read_relations(sentence, reading, strict)
    if names or strict or ph.directive(sentence):
        return names
    listed = _enumeration(sentence)
    for name in listed if len(listed) >= 2 else []:
        reading.add(name)
    return listed if len(listed) >= 2 else []


def _enumeration(text: str) -> list[str]:
    """The names of a plain list ``A, B and C``: every part (but one) a short name, else none."""
    parts = [p for p in re.split(r"\s*[,;]\s*|\s+(?:and|or)\s+", text.strip().rstrip(".")) if p.strip()]
    names = [ph.clean_name(p, ENUMERATION_MAX_WORDS) for p in parts]
    kept = [n for n in names if n]
    return kept if len(kept) >= len(names) - 1 else []  # one part may be a trailing aside


def _read_container(head: str, rest: str, reading: Reading, strict: bool) -> list[str]:
    parent = _container_name(head)
    inner = Reading()
    _read_relations(rest, inner, strict)
    names = list(dict.fromkeys(n for seg in ph.split_marked(ph.mark(rest))[0] for n in ph.noun_phrases(seg)))
    if not parent or not names:
        return []
    for name in names:
        inner.add(name)
    reading.merge(inner)
    keys = [ph.name_key(n) for n in names]
    parent_key = reading.add(parent)
    reading.contain(parent_key, keys)
    if not inner.links and _FLOW_NOUN.search(parent):
        reading.chain(keys)
    return [parent, *names]


def _read_relations(sentence: str, reading: Reading, strict: bool) -> list[str]:
    segments, relations = ph.split_marked(ph.mark(sentence))
    if strict:
        relations = [r if r.kind == "fwd" and _is_arrow(sentence) else ph.Relation("cut") for r in relations]
    if not any(r.kind != "cut" for r in relations):
        return []
    groups = [ph.name_groups(s) for s in segments]
    found: list[str] = []
    for i, relation in enumerate(relations):
        left, right = groups[i], groups[i + 1]
        if relation.kind == "cut" or not left or not right:
            continue
        sources, targets = [reading.add(n) for n in left[-1]], [reading.add(n) for n in right[0]]
        reading.relate(sources, targets, relation)
        found += [n for n in left[-1] + right[0] if n not in found]
    return found


def _is_arrow(sentence: str) -> bool:
    return bool(re.search(r"→|⟶|⇒|=>|-{1,2}>", sentence))


def _container_name(head: str) -> str:
    return ph.clean_name(_PREPOSITION_SPLIT.split(head)[-1])


def _best_context_reading(text: str, against: str) -> Reading | None:
    """The one sentence's (or list's) reading of ``text`` that shares the most words with
    ``against`` (at least one, when ``against`` has any); None if none gives two components.
    Parenthesised asides are left out."""
    wanted = _content_words(against)
    best, best_score = None, 0 if wanted else -1
    for sentence in ph.split_sentences(text):
        candidate = Reading()
        _read_text(_PARENS.sub("", sentence), candidate, strict=True)
        if len(candidate.names) < 2:
            continue
        score = len(wanted & _content_words(" ".join(candidate.names.values()) + " " + sentence))
        if score > best_score:
            best, best_score = candidate, score
    return best


def _content_words(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z][a-z0-9-]{3,}", text.lower())}


def _title(instruction: str, caption: str) -> tuple[str, bool]:
    """The figure's title and whether the instruction asked for it explicitly."""
    found = _TITLE.search(instruction)
    if found:
        return (found.group(1) or found.group(2)).strip(), True
    first = ph.split_sentences(_FIGURE_TAG.sub("", caption.strip()))
    return (first[0].rstrip(".") if first else ""), False

