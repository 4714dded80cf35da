"""The phrase grammar of the offline intent reader: plain-English rules, no per-figure strings.

A sentence is read as noun phrases joined by *relation markers*:

- flow: arrows (``→ -> => ⇒``), flow verbs (``A feeds B``, ``A flows into B``,
  ``A is passed to B``, ``A leads to B``, ``A is followed by B``, ``A then B``),
  ``from A (through B) to C``; a verb with an object before ``to`` labels the
  connection (``A sends tokens to B``);
- reverse flow: ``B is fed by A``, ``B receives X from A``, ``B comes from A``;
- feedback: ``A feeds back to B``, ``A loops back to B``, ``A returns X to B``;
- placement: ``A above / on top of / below / next to B`` (a constraint, no connection).

Layout hints (``left to right``, ``top to bottom``, ``stacked``, ...) are taken out of
the text first, so their words never become components.  A noun phrase is cleaned
of determiners, display verbs and trailing clauses; phrases longer than
:data:`MAX_NAME_WORDS`, pronouns and words about the figure itself are not components.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["MAX_NAME_WORDS", "Relation", "directive", "layout_hints", "mark", "name_key",
           "clean_name", "name_groups", "noun_phrases", "split_marked", "split_sentences"]

MAX_NAME_WORDS = 6
LIST_NAME_MAX_WORDS = 4  # ``A, B and C`` is a list only when every part is this short
_W = r"[\w][\w'/+.-]*"  # a word, hyphens and slashes allowed
_OBJ = rf"(?:{_W}\s+){{0,3}}?{_W}"  # a short object: one to four words

# (pattern, direction) in the order they are tried; a direction is the whole figure's
_HINTS = (
    (r"\bleft[\s-]+to[\s-]+right\b|\bhorizontal(?:ly)?\b|\bin\s+a\s+row\b", "right"),
    (r"\bright[\s-]+to[\s-]+left\b", "left"),
    (r"\bbottom[\s-]+to[\s-]+top\b|\bbottom[\s-]+up\b", "up"),
    (r"\btop[\s-]+to[\s-]+bottom\b|\btop[\s-]+down\b|\bvertical(?:ly)?\b|\bstacked\b|"
     r"\bin\s+a\s+column\b|\bas\s+a\s+stack\b", "down"),
)
_FEEDBACK_HINT = re.compile(r"\bloops?\s+back\b|\bfeeds?\s+back\b|\bfeedback\b|\bgoes\s+back\b|\breturns?\b", re.I)

# relation markers: ⟦kind|label⟧; kinds: fwd, rev, back, above, below, beside, cut (no relation)
_RELATIONS: tuple[tuple[str, str], ...] = (
    (rf"\b(?:feeds?|loops?|goes|go|flows?|comes?|passes|pass|sends?)\s+(?P<l>{_OBJ}\s+)?back\s+(?:in)?to\b", "back"),
    (rf"\breturns?\s+(?P<l>{_OBJ}\s+)?to\b", "back"),
    (rf"\b(?:sends?|pass(?:es)?|gives?|outputs?|forwards?|emits?|provides?|hands?|delivers?|writes?)\s+"
     rf"(?!to\b|into\b|on\b)(?P<l>{_OBJ})\s+(?:on\s+)?(?:in)?to\b", "fwd"),
    (rf"\b(?:stores?|saves?|puts?|writes?|keeps?)\s+(?!in\b|into\b)(?P<l>{_OBJ})\s+in(?:to)?\b", "fwd"),
    (rf"\b(?:is|are)\s+(?:fed|produced|generated|driven|supplied)\s+by\b", "rev"),
    (rf"\b(?:receives?|takes?|gets?|reads?|learns?|loads?)\s+(?P<l>{_OBJ}\s+)?from\b|\bcomes?\s+from\b", "rev"),
    (r"\b(?:splits?|branch(?:es)?|forks?|fans?\s+out|merges?|are\s+merged|joins?|converges?|combine)\s+"
     r"(?:in|into|to|on)\b", "fwd"),
    (r"\b(?:is|are)\s+(?:passed|sent|fed|forwarded|routed|given)\s+(?:on\s+)?(?:in)?to\b", "fwd"),
    (r"\b(?:feeds?|flows?)\s+(?:in)?to\b|\bfeeds?\b(?!\s*-?\s*(?:forward|back)\b)|\b(?:goes|go|leads?|connects?|outputs?|points?)\s+to\b", "fwd"),
    (r"\b(?:is|are)\s+followed\s+by\b|\bfollowed\s+by\b|\bprecedes\b|,?\s*\b(?:and\s+)?then\b", "fwd"),
    (r"→|⟶|⇒|=>|-{1,2}>", "fwd"),
    (r"\b(?:is|are|sits?|lies|placed)?\s*(?:above|on\s+top\s+of|over)\b", "above"),
    (r"\b(?:is|are|sits?|lies|placed)?\s*(?:below|beneath|under(?:neath)?)\b", "below"),
    (r"\b(?:is|are|sits?|placed)?\s*(?:next\s+to|beside|alongside)\b", "beside"),
)
_RELATION_RES = tuple((re.compile(p, re.I), kind) for p, kind in _RELATIONS)
_FROM_TO = re.compile(rf"\bfrom\s+(?P<a>[^,;]+?)\s+(?:(?:through|via)\s+(?P<b>[^,;]+?)\s+)?to\s+(?P<c>[^,;.]+)", re.I)
_INNER_HYPHEN = re.compile(r"(?<=\w)-(?=\w)")
_JOINER = "ǂ"  # a word character standing for an inner hyphen while relations are read
_MARK = re.compile(r"⟦(\w+)\|([^⟧]*)⟧")

_LEADING = re.compile(
    r"^(?:(?:first(?:ly)?|second(?:ly)?|then|next|finally|lastly|and|also|both|which|that|where|while|"
    r"here|there\s+(?:is|are)|we\s+(?:have|use|show)|it\s+has|with|of|the|a|an|its|their|our|this|these|"
    r"those|each|every|all|some|one|two|three|four|five|six|"
    r"(?:draw|show|depict|render|create|make|add|include|put|place|display|illustrate)"
    r"(?=\s+(?:the|a|an|its|their|our|this|these|all|each|two|three|four)\b))\b[\s,]*)+", re.I)
# verbs that make a phrase a clause: its subject is the component ("the U-Net outputs noise" -> U-Net)
_CLAUSE_VERBS = frozenset(
    "produces outputs generates computes predicts returns uses takes makes gives creates sends reads writes "
    "learns maps converts transforms encodes decodes updates stores applies selects is are was were shown "
    "drawn displayed arranged placed depicted illustrated rendered laid".split())
_TRAILING = re.compile(r"\s*(?:,|\b(?:which|that|who|where|while|when|for|via|using|in\s+order\s+to|so\s+that|"
                       r"to\s+(?:produce|obtain|get|make|form|give))\b).*$", re.I)
_TRAILING_ADVERB = re.compile(r"(?:\s+(?:also|too|then|first|finally|again|as\s+well))+$", re.I)
_PARENS = re.compile(r"\s*[(\[][^)\]]*[)\]]")
_CONJ = re.compile(r"\s*(?:\band\b|\bor\b|\bas\s+well\s+as\b|\bplus\b)\s*", re.I)
_PREPOSITIONS = frozenset("in on at within during after before to from by into via using inside".split())
# a phrase starting with one of these is a clause addressed to the reader, not a component
_CLAUSE_START = frozenset("you your yours i me my we us he she they if when whether because unless please "
                          "just do don't does".split())
_PRONOUNS = frozenset("it them this that these those they one each other its their both all".split())
# nouns about the figure or the document rather than its content: a name with one is no component
_FIGURE_WORDS = frozenset(
    "figure figures diagram poster infographic background font fonts colour colours color colors palette "
    "style styles typography layout arrows arrow labels label caption title paper abstract decoration banner "
    "header canvas format resolution sketch reference components elements requirements requirement".split())
# words of a style directive ("black-on-white background, crisp labels"), not of content
_STYLE_WORDS = frozenset(
    "style styles requirement requirements guideline guidelines background font fonts colour colours color "
    "colors palette typography decoration resolution format render rendered rendering crisp crisply "
    "polished publication-quality".split())
_GENERIC_TAIL = re.compile(r"\s+(?:panel|section|column|box|block|module|component|part|stage|step)s?$", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?;])\s+(?=[A-Z0-9\"“(\\])|\n\s*\n")
_ABBREV_DOT = re.compile(r"\b(e\.g|i\.e|etc|vs|cf|fig|eq)\.", re.I)


@dataclass(frozen=True)
class Relation:
    kind: str  # fwd | rev | back | above | below | beside | cut
    label: str = ""


def layout_hints(text: str) -> tuple[str, str | None, bool]:
    """``text`` without its layout-hint phrases, the last direction they name (None if
    none) and whether it speaks of feedback."""
    direction, found_at = None, -1
    for pattern, value in _HINTS:
        for match in re.finditer(pattern, text, re.I):
            if match.start() > found_at:
                direction, found_at = value, match.start()
        text = re.sub(pattern, " ", text, flags=re.I)
    return text, direction, bool(_FEEDBACK_HINT.search(text))


def split_sentences(text: str) -> list[str]:
    protected = _ABBREV_DOT.sub(lambda m: m.group(1) + "§", text)
    return [s.replace("§", ".").strip() for s in _SENTENCE_END.split(protected) if s.strip()]


def mark(sentence: str) -> str:
    """``sentence`` with every relation replaced by a ``⟦kind|label⟧`` marker.  Hyphenated
    words (``feed-forward``) are one word: no relation is read inside them."""
    sentence = _INNER_HYPHEN.sub(_JOINER, sentence)
    sentence = _FROM_TO.sub(_from_to, sentence)
    for regex, kind in _RELATION_RES:
        sentence = regex.sub(lambda m, k=kind: _marker(k, m), sentence)
    return sentence.replace(_JOINER, "-")


def split_marked(marked: str) -> tuple[list[str], list[Relation]]:
    """The segments between markers and the relations between them (one fewer)."""
    parts = _MARK.split(marked)
    segments = parts[0::3]
    relations = [Relation(k, _clean_label(lbl)) for k, lbl in zip(parts[1::3], parts[2::3])]
    return segments, relations


def noun_phrases(segment: str) -> list[str]:
    """Every component name a segment holds, cleaned, in order; may be empty."""
    return [name for group in name_groups(segment) for name in group]


def name_groups(segment: str) -> list[list[str]]:
    """A segment's names by clause: ``A, B and C`` is one list (its last comma part has
    ``and``/``or``); ``B, C`` is two clauses.  Clauses without a name are left out."""
    chunks = [c for c in re.split(r"\s*[,;:]\s*", _PARENS.sub("", segment)) if c.strip()]
    if len(chunks) > 1 and _CONJ.search(chunks[-1]) and all(
            len(part.split()) <= LIST_NAME_MAX_WORDS + 1 for c in chunks for part in _CONJ.split(c)):
        chunks = [" and ".join(chunks)]
    groups = [[n for n in (_clean_name(i) for i in _CONJ.split(chunk)) if n] for chunk in chunks]
    return [g for g in groups if g]


def clean_name(item: str, max_words: int = MAX_NAME_WORDS) -> str:
    """One component name from ``item``: '' if it is not one."""
    return _clean_name(_PARENS.sub("", item), max_words)


def name_key(name: str) -> str:
    """What two mentions of one component share: lower case, no determiners, no generic tail."""
    words = re.sub(r"[^\w+/-]+", " ", name.lower()).split()
    while words and words[0] in ("the", "a", "an", "its", "their", "our", "this", "each"):
        words = words[1:]
    key = " ".join(words)
    return _GENERIC_TAIL.sub("", key) if " " in key else key


def directive(text: str) -> bool:
    """Whether ``text`` speaks of the figure itself (style, rendering) rather than its content."""
    return bool(_words(text) & _STYLE_WORDS)


def _words(text: str) -> set[str]:
    return set(re.findall(r"[a-z][\w-]*", text.lower()))


def _clean_name(item: str, max_words: int = MAX_NAME_WORDS) -> str:
    item = _TRAILING.sub("", item.strip(" \t\n.!\"'“”‘’`*_"))
    item = _TRAILING_ADVERB.sub("", _LEADING.sub("", item)).strip(" -–—.\"'“”")
    words = item.split()
    verb = next((i for i, w in enumerate(words) if w.lower() in _CLAUSE_VERBS), None)
    if verb is not None and not item.endswith("?"):  # a question ("Is it valid?") is a decision box
        words = words[:verb]
        item = " ".join(words)
    if not words or len(words) > max_words or item.lower() in _PRONOUNS or words[0].lower() in _PREPOSITIONS | _CLAUSE_START:
        return ""
    if _words(item) & _FIGURE_WORDS or not re.search(r"[A-Za-z]", item):
        return ""
    return item[0].upper() + item[1:]


def _clean_label(label: str) -> str:
    words = label.split()
    while words and words[0].lower() in ("the", "a", "an", "its", "their", "some"):
        words = words[1:]
    label = " ".join(words)
    return "" if label.lower() in _PRONOUNS else label


def _marker(kind: str, match: re.Match) -> str:
    label = (match.groupdict().get("l") or "").strip()
    return f" ⟦{kind}|{label}⟧ "


def _from_to(match: re.Match) -> str:
    via = f" ⟦fwd|⟧ {match['b']}" if match["b"] else ""
    return f" ⟦cut|⟧ {match['a']}{via} ⟦fwd|⟧ {match['c']}"
