"""Short forms the KG writes only in its children's names: "PS4" for "PlayStation 4".

Best Buy names the category "PlayStation 4" in full but its children "PS4 Games", "PS4
Consoles", "PS4 Accessories"; users type "ps4". The KG itself says what "ps4" is, without a
word list: a category whose name (or the first words of it) abbreviates to W, where several of
the category's descendants' names open with the word W, is also called W.

The abbreviation of a run of words is the initials of their parts, in order: a CamelCase word
gives one initial per part ("PlayStation" -> "ps"), a word in capitals ("SLR", "3DS") or a
number ("4") is kept whole, an acronym's plural ("TVs") counts as the acronym. At least two
parts, so a one-word name never abbreviates to itself. :func:`derive_short_forms` finds, per
linkable category (non-linkable ones, :data:`kg.link.LINKABLE`, neither derive nor vote):

* the whole name abbreviates to W ("PlayStation 4" -> "ps4", "Virtual Reality" -> "vr"):
  alias W, spelt as the descendants spell it ("PS4", "VR");
* its first words abbreviate to W ("Digital SLR" -> "dslr" in "Digital SLR Cameras",
  "Virtual Reality" in "Virtual Reality-Ready Components"): alias W with the rest of the name
  ("DSLR Cameras", "VR-Ready Components"), and W alone when the rest is one word, the head
  noun ("DSLR"), and no category's whole name abbreviates to W ("vr" stays "Virtual Reality").

W counts when at least ``min_children`` (default 2) distinct linkable descendants' names open
with it (their first word, letters and digits, case-folded). An alias that is already a name or
alias of another linkable node (a brand, a category) or that two categories would both get is
left out (reported), so a short form never makes a name ambiguous.

With ``spread`` (on by default), the words W stands for also give W to the other categories
whose names open with them: "Virtual Reality Headsets" (no children) is "VR Headsets" too. It
was off while the re-pick after the intent (:meth:`parser.linking.SpanLinker.repick`) read
the words of a linked category's path only: "vr headset" linked Virtual Reality Headsets,
then was swapped for Video Games' Speakers & Headsets; the re-pick reads the words of a node's
aliases too now. On the default KG (hygiene re-applied) it adds six aliases, VR Headsets,
VR-Ready Computers, VR Accessories & Peripherals, VR Cleaning Supplies & Products, VR
Controllers and VR Monitors, and changes 2 of the 7,841 QueryNER train parses ("pansonite vr
headset" links Virtual Reality Headsets; "kids virtual reality headset" expands to "VR
Headsets") and none of the 1,066 QueryNER validation and Best Buy dev queries nor of the 1,480
Best Buy train queries. ``spread=False`` derives the whole-name and first-words short forms
only.

:func:`apply_short_forms` adds them as ``kgqp:alias`` in one transaction (message
:data:`MESSAGE`: the alias's provenance in the version log) and says what it added in a
:class:`~kg.schema.LoadReport` (source ``"short-forms"``); it is idempotent and works on an
existing KG. :func:`kg.hygiene.apply_hygiene` runs it last (``HygieneConfig.short_forms``),
so the default build (:func:`kg.build.build_into`) and every KG the hygiene pass cleans get the
aliases, reported with the hygiene pass's actions.

Example:
    >>> from kg import ProductGraph, Node, NodeKind, Edge, Relation
    >>> g = ProductGraph.in_memory()
    >>> ps4 = Node(NodeKind.CATEGORY, "bb/ps4", "PlayStation 4", path="Video Games > PlayStation 4")
    >>> kids = [Node(NodeKind.CATEGORY, f"bb/{k}", f"PS4 {k}", path=f"PlayStation 4 > PS4 {k}")
    ...         for k in ("Games", "Consoles")]
    >>> _ = g.add_records([ps4, *kids, *(Edge(k.iri, Relation.PARENT, ps4.iri) for k in kids)],
    ...                   progress=False)
    >>> [(s.alias, s.label) for s in derive_short_forms(g)]
    [('PS4', 'PlayStation 4')]
    >>> apply_short_forms(g).skipped
    {'short-form alias added': 1}
    >>> g.node(ps4.iri).aliases, apply_short_forms(g).skipped
    (('PS4',), {})
"""

from __future__ import annotations

import logging
import re
from collections import Counter, defaultdict
from dataclasses import dataclass
from typing import TYPE_CHECKING

from kg.index import normalize_key
from kg.schema import LoadReport, NodeKind, Relation

if TYPE_CHECKING:
    from kg.graph import NodeInfo, ProductGraph

__all__ = ["MESSAGE", "ShortForm", "abbreviations", "apply_short_forms", "derive_short_forms"]

log = logging.getLogger(__name__)

#: The message of the transaction that adds the aliases (their provenance in the version log).
MESSAGE = "short-form aliases the KG's category names imply (kg.short_forms)"

_WORD = re.compile(r"[^\W_]+")
# parts of a word: an acronym's plural ("TVs"), capitals (before a capitalised part: "SLRCamera"
# -> "SLR", "Camera"), a capitalised part, a lower-case run, a number
_PARTS = re.compile(r"[A-Z]{2,}s(?![a-z])|[A-Z]+(?![a-z])|[A-Z][a-z]+|[a-z]+|\d+")


@dataclass(frozen=True, slots=True)
class ShortForm:
    """One derived alias: ``alias`` of the category ``iri`` (named ``label``), because the
    descendants named in ``evidence`` open with its short form."""

    iri: str
    label: str
    alias: str
    evidence: tuple[str, ...]


def _word_short(word: str) -> tuple[str, int]:
    """(the short form of one word, its number of parts)."""
    if word.isdigit() or (word.upper() == word and any(c.isalpha() for c in word)):
        return word.lower(), 1  # "4", "SLR", "3DS", "PS4": kept whole
    parts = _PARTS.findall(word)
    if not parts:
        return word[:1].lower(), 1
    out = ""
    for p in parts:
        if p.isdigit() or (len(p) > 1 and p.isupper()):
            out += p.lower()
        elif len(p) > 2 and p[:-1].isupper() and p.endswith("s"):
            out += p[:-1].lower()  # "TVs" -> "tv"
        else:
            out += p[0].lower()
    return out, len(parts)


def abbreviations(name: str) -> list[tuple[str, int]]:
    """The short forms of the runs of first words of ``name``: (W, end of the run in ``name``)
    for each run of two or more parts whose short form is not the words themselves.

    >>> abbreviations("PlayStation 4"), abbreviations("Digital SLR Cameras")
    ([('ps', 11), ('ps4', 13)], [('dslr', 11), ('dslrc', 19)])
    >>> abbreviations("TVs"), abbreviations("PS4 Games"), abbreviations("Virtual Reality")
    ([], [('ps4g', 9)], [('vr', 15)])
    """
    out = []
    short, parts = "", 0
    for m in _WORD.finditer(name):
        s, n = _word_short(m.group())
        short, parts = short + s, parts + n
        if parts >= 2 and len(short) >= 2 and any(c.isalpha() for c in short) \
                and short != normalize_key(name[:m.end()]).replace(" ", ""):
            out.append((short, m.end()))
    return out


def _first_word(name: str) -> str:
    m = _WORD.search(name)
    return m.group() if m else ""


def derive_short_forms(graph: ProductGraph, *, min_children: int = 2,
                       spread: bool = True) -> list[ShortForm]:
    """The short-form aliases the KG's category names imply (see the module docstring), in
    a stable order; reads the KG only."""
    from kg.link import unlinkable_iris

    return _derive(graph, min_children=min_children, spread=spread,
                   unlinkable=unlinkable_iris(graph))[0]


def _derive(graph: ProductGraph, *, min_children: int, spread: bool,
            unlinkable: frozenset[str]) -> tuple[list[ShortForm], list[tuple[str, str]]]:
    nodes = list(graph.nodes())
    cats = {n.iri: n for n in nodes
            if n.kind is NodeKind.CATEGORY and n.label and n.iri not in unlinkable}
    children: dict[str, list[str]] = defaultdict(list)
    for c in cats:
        for e in graph.neighbors(c, direction="out"):
            if e.relation is Relation.PARENT and e.target in cats:
                children[e.target].append(c)

    def descendants(iri: str) -> list[NodeInfo]:
        seen: set[str] = set()
        stack = list(children.get(iri, ()))
        while stack:
            k = stack.pop()
            if k not in seen:
                seen.add(k)
                stack += children.get(k, ())
        return [cats[k] for k in sorted(seen)]

    # (alias, iri, whole name?, evidence)
    found: list[tuple[str, str, bool, tuple[str, ...]]] = []
    # the words a short form stands for ("virtual reality") -> (as written, short form, evidence)
    phrases: dict[str, tuple[str, str, tuple[str, ...]]] = {}
    for iri, c in sorted(cats.items()):
        if iri not in children:
            continue
        label = c.label or ""
        runs = abbreviations(label)
        if not runs:
            continue
        opening: dict[str, dict[str, tuple[str, str]]] = defaultdict(dict)
        for d in descendants(iri):
            name = d.label or ""
            first = _first_word(name)
            opening[first.casefold()].setdefault(normalize_key(name), (first, name))
        for short, end in runs:
            kids = opening.get(short, {})
            if len(kids) < min_children:
                continue
            spelt = Counter(f for f, _ in kids.values()).most_common(1)[0][0]
            evidence = tuple(sorted(lab for _, lab in kids.values()))[:5]
            phrases.setdefault(normalize_key(label[:end]), (label[:end], spelt, evidence))
            rest = label[end:]
            if not rest.strip():
                found.append((spelt, iri, True, evidence))
                continue
            found.append((spelt + rest, iri, False, evidence))
            if len(_WORD.findall(rest)) == 1:
                found.append((spelt, iri, False, evidence))
    # the phrase a short form stands for, at the start of other categories' names: "Virtual
    # Reality Headsets" (no children) is "VR Headsets" too
    for _, (text, spelt, evidence) in sorted(phrases.items()) if spread else ():
        opens = re.compile(re.escape(text) + r"(?![^\W_])", re.IGNORECASE)
        for iri, c in sorted(cats.items()):
            m = opens.match(c.label or "")
            rest = (c.label or "")[m.end():] if m else ""
            if m and rest.strip() and not any(f[1] == iri and normalize_key(f[0]) ==
                                              normalize_key(spelt + rest) for f in found):
                found.append((spelt + rest, iri, False, evidence))
    # the whole-name short form wins a bare W; then: one category per alias, none taking
    # another linkable node's name
    whole = {normalize_key(a) for a, _, w, _ in found if w}
    found = [f for f in found if f[2] or normalize_key(f[0]) not in whole]
    owners: dict[str, set[str]] = defaultdict(set)
    for a, iri, _, _ in found:
        owners[normalize_key(a)].add(iri)
    names: dict[str, set[str]] = defaultdict(set)
    for n in nodes:
        if n.iri not in unlinkable:
            for name in (n.label or "", *n.aliases):
                names[normalize_key(name)].add(n.iri)
    out, refused = [], []
    for a, iri, _, evidence in found:
        key = normalize_key(a)
        if normalize_key(cats[iri].label or "") == key or key in {
                normalize_key(x) for x in cats[iri].aliases}:
            continue  # already there
        if len(owners[key]) > 1:
            refused.append(("short form of several categories", f"{a} -> {cats[iri].label}"))
        elif names.get(key, set()) - {iri}:
            refused.append(("short form is another node's name", f"{a} -> {cats[iri].label}"))
        else:
            out.append(ShortForm(iri, cats[iri].label or "", a, evidence))
    return list(dict.fromkeys(out)), refused


def apply_short_forms(graph: ProductGraph, *, min_children: int = 2, spread: bool = True,
                      report: LoadReport | None = None) -> LoadReport:
    """Add the short-form aliases of :func:`derive_short_forms` to ``graph`` in one
    transaction (none when there is nothing to add); idempotent. The report (``report``, else
    a new one, source ``"short-forms"``) counts them under ``skipped["short-form alias
    added"]`` (examples "PS4 -> PlayStation 4"), and the ones left out and why."""
    from kg.link import unlinkable_iris

    report = report if report is not None else LoadReport(source="short-forms")
    forms, refused = _derive(graph, min_children=min_children, spread=spread,
                             unlinkable=unlinkable_iris(graph))
    for reason, item in refused:
        report.skip(reason, item)
    if forms:
        with graph.transaction(MESSAGE) as tx:
            for f in forms:
                tx.add_alias(f.iri, f.alias)  # type: ignore[attr-defined]
                report.skip("short-form alias added", f"{f.alias} -> {f.label}")
                log.debug("short form %r of %r (%s)", f.alias, f.label, ", ".join(f.evidence))
    log.info("short-form aliases: %s", report.skipped)
    return report
