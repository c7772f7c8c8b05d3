"""Judging helper for the linking gold: search a KG's node names by hand, never through the linker.

It reads every node of a KG (label, aliases, kind, attribute, source, category path and the
``kgqp:linkable`` flag) with :meth:`kg.ProductGraph.nodes` and a SPARQL query, and matches a
mention against the names with its own folding: NFKC + casefold, ``&`` read as "and",
punctuation removed, each word singularised; a space-less ("compact") form; names containing the
mention as whole words; names inside the mention; and difflib typo matches. It does not call
``ProductGraph.link``/``match``, ``EntityLinker``, ``AliasIndex`` or the parser.

    python bench/link_gold_search.py --kg /tmp/newkg "cheetah print" "abeeno"
    python bench/link_gold_search.py --kg /tmp/newkg --gold data/eval/link_gold_queryner.jsonl

With ``--gold`` it prints, for every mention, its current judgement next to what the search
finds (the review sheet used for the 2026-12-02 re-judging).
"""

from __future__ import annotations

import argparse
import collections
import difflib
import json
import re
import sys
import unicodedata
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ID = "https://kgqp.dev/id/"


def norm(s: str) -> str:
    s = unicodedata.normalize("NFKC", s).casefold().replace("&", " and ").replace("\u2019", "'")
    s = re.sub(r"'s\b", "", s)
    s = re.sub(r"[^\w%.]+", " ", s)
    s = re.sub(r"(?<!\d)\.|\.(?!\d)", " ", s)
    return " ".join(s.split())


def sing(w: str) -> str:
    if len(w) <= 3 or w.endswith(("ss", "us", "is")):
        return w
    if w.endswith("ies") and len(w) > 4:
        return w[:-3] + "y"
    if re.search(r"(ches|shes|xes|zes|sses|oes)$", w):
        return w[:-2]
    if w.endswith("ves"):
        return w
    return w[:-1] if w.endswith("s") else w


def fold(s: str) -> str:
    return " ".join(sing(w) for w in norm(s).split())


def load_nodes(kg: str) -> dict[str, dict]:
    """Every node of the KG at ``kg`` (opened read-only) as a dict, with its linkable flag."""
    sys.path.insert(0, str(ROOT))
    from kg import ProductGraph
    from kg.link import LINKABLE

    g = ProductGraph.open(kg, read_only=True)
    try:
        off = {
            str(r["s"])
            for r in g.query(f"SELECT ?s WHERE {{ ?s <{LINKABLE}> ?v FILTER(?v = false) }}").rows
        }
        return {
            n.iri: {
                "iri": n.iri,
                "kind": n.kind.value if n.kind else None,
                "label": n.label,
                "aliases": list(n.aliases),
                "attribute": n.attribute,
                "source": n.source,
                "path": n.path,
                "linkable": n.iri not in off,
            }
            for n in g.nodes()
        }
    finally:
        g.close()


class Search:
    def __init__(self, nodes: dict[str, dict]) -> None:
        self.nodes = nodes
        self.by_fold: dict[str, set[str]] = collections.defaultdict(set)
        self.by_compact: dict[str, set[str]] = collections.defaultdict(set)
        for iri, d in nodes.items():
            for n in filter(None, [d["label"], *d["aliases"]]):
                self.by_fold[fold(n)].add(iri)
                self.by_compact[fold(n).replace(" ", "")].add(iri)

    @staticmethod
    def variants(m: str) -> set[str]:
        f = fold(m)
        return {f} | {f[len(p) :] for p in ("for ", "for the ", "the ", "a ") if f.startswith(p)}

    def exact(self, m: str) -> set[str]:
        out: set[str] = set()
        for v in self.variants(m):
            out |= self.by_fold.get(v, set()) | self.by_compact.get(v.replace(" ", ""), set())
        return out

    def contains(self, m: str) -> set[str]:
        out: set[str] = set()
        for v in self.variants(m):
            pat = re.compile(r"(^| )" + re.escape(v) + r"( |$)")
            for k, iris in self.by_fold.items():
                if k != v and pat.search(k):
                    out |= iris
        return out

    def inside(self, m: str) -> set[str]:
        words, out = fold(m).split(), set()
        for i in range(len(words)):
            for j in range(i + 1, len(words) + 1):
                sub = " ".join(words[i:j])
                if sub != " ".join(words) and len(sub) >= 3:
                    out |= self.by_fold.get(sub, set())
        return out

    def typos(self, m: str, kinds: tuple[str, ...] = ("brand",), cutoff: float = 0.75) -> set[str]:
        f = fold(m)
        keys = [
            k for k, v in self.by_fold.items() if any(self.nodes[i]["kind"] in kinds for i in v)
        ]
        return {
            i
            for k in difflib.get_close_matches(f, keys, n=8, cutoff=cutoff)
            if k != f
            for i in self.by_fold[k]
            if self.nodes[i]["kind"] in kinds
        }


def describe(d: dict) -> str:
    attr = f"/{d['attribute']}" if d.get("attribute") else ""
    path = f" @ {d['path']}" if d.get("path") and d["path"] != d["label"] else ""
    aka = f"; aka {'|'.join(d['aliases'][:6])}" if d["aliases"] else ""
    flag = "" if d["linkable"] else " [NOT LINKABLE]"
    iri = d["iri"].replace(ID, "")
    return f"{iri} <{d['kind']}{attr} {d['source']}> {d['label']!r}{aka}{path}{flag}"


def report(s: Search, mention: str, label: str | None = None) -> list[str]:
    lines = []
    ex = s.exact(mention)
    for i in sorted(ex):
        if s.nodes[i]["kind"] != "product":
            lines.append("  exact    " + describe(s.nodes[i]))
    prods = [i for i in ex if s.nodes[i]["kind"] == "product"]
    if prods:
        lines.append(f"  exact    {len(prods)} product SKU(s), e.g. {s.nodes[prods[0]]['label']!r}")
    kinds = {
        "creator": ("brand",),
        "color": ("attribute_value",),
        "material": ("attribute_value",),
    }.get(label or "", ("brand", "attribute_value"))
    con = sorted(
        (i for i in s.contains(mention) - ex if s.nodes[i]["kind"] in kinds),
        key=lambda i: len(s.nodes[i]["label"] or ""),
    )
    lines += ["  contains " + describe(s.nodes[i]) for i in con[:10]]
    if len(con) > 10:
        lines.append(f"  contains ... {len(con) - 10} more")
    lines += [
        "  inside   " + describe(s.nodes[i])
        for i in sorted(s.inside(mention))
        if s.nodes[i]["kind"] in kinds
    ][:8]
    if not any(s.nodes[i]["kind"] == "brand" for i in ex) and label in (None, "creator"):
        lines += ["  typo     " + describe(s.nodes[i]) for i in sorted(s.typos(mention))]
    return lines


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kg", required=True, help="KG directory (opened read-only)")
    ap.add_argument("--gold", action="append", default=[], help="gold JSONL to review")
    ap.add_argument("mentions", nargs="*")
    a = ap.parse_args(argv)
    nodes = load_nodes(a.kg)
    s = Search(nodes)
    for m in a.mentions:
        print(repr(m), *report(s, m), sep="\n")
    for path in a.gold:
        for r in map(json.loads, Path(path).read_text(encoding="utf-8").splitlines()):
            print("=" * 80)
            print(
                f"{r['id']} [{r['label']}] {r['mention']!r} in {r['query']!r}\n  note: {r['note']}"
            )
            for fld in ("gold", "acceptable_broader"):
                for i in r[fld]:
                    print(f"  {fld:<8.8} " + (describe(nodes[i]) if i in nodes else f"{i} MISSING"))
            print(*report(s, r["mention"], r["label"]), sep="\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
