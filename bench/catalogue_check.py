"""The catalogue check: does kgqp's parse make a plain keyword engine better on a real catalogue?

BM25 over the Best Buy cell-phone catalogue (name twice + description) ranks each query of
``data/eval/catalogue_queries.jsonl`` on its text (``base``) and on the parse (``kgqp``): the
rewritten text less excluded words and negation cues; filters as must clauses (category path
prefix, brand, colour/size in the name, price, refurbished); boosts and expansions as should
clauses (weight / 10, score x 2); exclusions as must_not (the phrase in name or description).

Relevance is a rule, spot-checked by the reviewer who wrote it, not a hand judgement: the
product's name, brand, categories and type hold every query word outside a stop list (plurals
and a few synonyms folded) and none after "not/without/no", its price fits "under/over/between
N", a query for phones without an accessory word excludes "Cell Phone Accessories", and a Best
Buy query's product lies under its gold lvl1 (else lvl0). Queries with none are not judged.

Prints one JSON object: P@10 base and kgqp over judged queries, all and per source;
``zero_by_filter``: judged queries kgqp returns nothing for though the base top 50 holds a
relevant product; ``link_category``: over judged queries with a category filter from a
``link:`` source, the relevant products that filter keeps (of how many) and the queries losing
at least half of theirs.

    PYTHONPATH=. python bench/catalogue_check.py --bundle ~/.cache/kgqp/bundle \\
        --products ../shared/data/bestbuy/products_cellphones.json

The project's copy (the default, ``data/bestbuy/products_cellphones.json.gz``) has no
descriptions: it ranks on names alone, giving other figures than the reviewer's (warned).
"""

from __future__ import annotations

import argparse
import collections
import gzip
import json
import logging
import math
import os
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

QUERIES = ROOT / "data" / "eval" / "catalogue_queries.jsonl"
PRODUCTS = ROOT / "data" / "bestbuy" / "products_cellphones.json.gz"
SOURCES = ("bestbuy_train", "queryner_train", "written")
log = logging.getLogger("catalogue_check")

CUES = {"not", "no", "without", "except", "non", "neither", "nor", "other", "than"}
STOP = {"for", "the", "a", "an", "with", "and", "of", "in", "to", "my", "on", "new", "best",
        "cell", "mobile", "smart", "phone", "phones", "cellphone"}
SYN = {"phones": "phone", "cases": "case", "chargers": "charger", "cables": "cable",
       "protectors": "protector", "bands": "band", "headsets": "headset", "mounts": "mount",
       "cords": "cable", "cord": "cable", "earphones": "earbuds", "earbud": "earbuds",
       "batteries": "battery", "covers": "case", "cover": "case", "gray": "grey"}
ACCESSORY = re.compile(r"case|charger|cable|mount|holder|stand|battery|grip|protector|headset|"
                       r"booster|lens|tripod|band")
SIZE_UNITS = {"ft": ["ft", "foot", "feet"], "gb": ["gb"], "mm": ["mm"], "inch": ["inch", "in"]}


def tok(s: str | None) -> list[str]:
    return re.findall(r"[a-z0-9]+", (s or "").lower().replace("™", "").replace("®", ""))


def norm(w: str) -> str:
    return SYN.get(w, w)


def phrase_in(text: str, phrase: str) -> bool:
    return re.search(r"\b" + re.escape(" ".join(tok(phrase))) + r"\b", text) is not None


class Catalogue:
    """The reviewer's engine (BM25 k1 1.2, b 0.75) and judge over one product list."""

    def __init__(self, products: list[dict]):
        self.P = P = products
        docs = [tok(p["name"]) * 2 + tok(p.get("description")) for p in P]
        self.N = len(docs)
        self.avg = sum(map(len, docs)) / self.N
        self.lens = [len(d) for d in docs]
        self.df = collections.Counter(t for d in docs for t in set(d))
        self.tfs = [collections.Counter(d) for d in docs]
        self.paths = [set(p["hierarchicalCategories"].values()) for p in P]
        self.catnames = [{c.lower() for c in p["categories"]} for p in P]
        self.text = [" ".join(tok(p["name"] + " " + (p.get("description") or ""))) for p in P]
        self.names = [" ".join(tok(p["name"])) for p in P]
        self.ptext = [" ".join(norm(w) for w in tok(p["name"] + " " + p["brand"] + " "
                                                     + " ".join(p["categories"]) + " "
                                                     + p.get("type", ""))) + " " for p in P]

    def bm25(self, q: str) -> list[float]:
        s = [0.0] * self.N
        for t in set(tok(q)):
            if t not in self.df:
                continue
            idf = math.log(1 + (self.N - self.df[t] + .5) / (self.df[t] + .5))
            for i, tf in enumerate(self.tfs):
                f = tf.get(t)
                if f:
                    s[i] += idf * f * 2.2 / (f + 1.2 * (.25 + .75 * self.lens[i] / self.avg))
        return s

    def cat_ok(self, i: int, v: str) -> bool:
        return any(pp == v or pp.startswith(v + " > ") for pp in self.paths[i])

    def brand_ok(self, i: int, v: str) -> bool:
        return self.P[i]["brand"].lower() == v.lower()

    def size_ok(self, i: int, v: str) -> bool:
        m = re.match(r"([\d.]+)\s*(.*)", v.lower())
        if not m:
            return v.lower() in self.names[i]
        num, u = m.groups()
        u = u.strip().strip('"')
        raw = self.P[i]["name"].lower()
        return (any(re.search(r"\b" + re.escape(num) + r"\s*-?\s*" + a + r"\b", raw)
                    for a in SIZE_UNITS.get(u, [u]))
                or bool(u == "ft" and re.search(r"\b" + re.escape(num) + "'", raw)))

    def price_ok(self, i: int, lo, hi) -> bool:
        pr = self.P[i].get("price") or 0
        return (lo is None or pr >= lo) and (hi is None or pr <= hi)

    def refurb(self, i: int) -> bool:
        return ("refurbished" in self.P[i]["name"].lower()
                or any("refurb" in pp.lower() for pp in self.paths[i]))

    def rank(self, p: dict) -> tuple[list[int], list[int], dict[str, set[int]]]:
        """Base ranking, kgqp ranking and each filter's passing products for one parse."""
        rng = range(self.N)
        base = self.bm25(p["text"])
        b_rank = sorted([i for i in rng if base[i] > 0], key=lambda i: -base[i])
        ex = p["excluded"]
        exw = {w for e in ex for w in tok(e["text"])}
        words = (p["rewritten"] or p["text"]).split()
        s = self.bm25(" ".join(w for w in words if w.lower() not in exw and w.lower() not in CUES))
        f = {k: v for k, v in (p["filters"] or {}).items() if v}
        lo, hi = f.get("price_min"), f.get("price_max")
        checks = {"category": self.cat_ok, "brand": self.brand_ok, "size": self.size_ok,
                  "colour": lambda i, c: phrase_in(self.names[i], c)}
        passes: dict[str, set[int]] = {}
        for k, v in f.items():
            if k in checks:
                passes[k] = {i for i in rng if any(checks[k](i, c) for c in v)}
            elif k in ("price_min", "price_max"):
                passes[k] = {i for i in rng if self.price_ok(i, lo, hi)}
            elif k == "other":  # only "refurbished" is checked
                passes[k] = {i for i in rng if all(self.refurb(i) for o in v if "refurb" in o)}
        must_not = {i for i in rng for e in ex
                    if not e.get("free_from") and phrase_in(self.text[i], e["text"])}
        for bo in p["boosts"]:
            t = bo["term"]
            w = bo["weight"] / 10.0 * (1 if bo["direction"] == "UP" else -1)
            fld, _, val = t.partition(":") if ":" in t else ("", None, t)
            for i in [i for i in rng if s[i] > 0]:
                if (self.brand_ok(i, val) if fld == "brand"
                        else phrase_in(self.names[i], val) if fld in ("colour", "size")
                        else self.cat_ok(i, val) if fld == "category"
                        else phrase_in(self.text[i], t)):
                    s[i] += w
        for e in p["expansions"]:
            k, t, w = e["kind"], e["term"], e["score"] * 2
            for i in [i for i in rng if s[i] > 0]:
                if ((k.endswith("category") and t.lower() in self.catnames[i])
                        or (k == "brand" and self.brand_ok(i, t))
                        or (k in ("synonym", "alias") and phrase_in(self.text[i], t))):
                    s[i] += w
        kept = set(rng)
        for v in passes.values():
            kept &= v
        k_rank = sorted([i for i in kept - must_not if s[i] > 0], key=lambda i: -s[i])
        return b_rank, k_rank, passes

    def relevant(self, q: str, gold: list | None) -> set[int]:
        """The judge's rule (module docstring)."""
        ql = q.lower()
        lo = hi = None
        if m := re.search(r"(under|below|less than)\s*\$?(\d+)", ql):
            hi = float(m.group(2))
            ql = ql.replace(m.group(0), " ")
        if m := re.search(r"(over|above)\s*\$?(\d+)", ql):
            lo = float(m.group(2))
            ql = ql.replace(m.group(0), " ")
        if m := re.search(r"between\s*(\d+)\s*and\s*(\d+)", ql):
            lo, hi = float(m.group(1)), float(m.group(2))
            ql = ql.replace(m.group(0), " ")
        neg: list[str] = []
        if m := re.search(r"\b(not|without|no)\s+(.*)$", ql):
            neg = [norm(w) for w in tok(m.group(2))]
            ql = ql[:m.start()]
        ws = [norm(w) for w in tok(ql) if w not in STOP] or (["phone"] if "phone" in ql else [])
        handsets = bool(re.search(r"\bphones?\b", ql)) and not ACCESSORY.search(ql)
        out = {i for i, t in enumerate(self.ptext)
               if all(re.search(r"\b" + re.escape(w) + r"s?\b", t) for w in ws)
               and not (neg and any(re.search(r"\b" + re.escape(w) + r"\b", t) for w in neg))
               and self.price_ok(i, lo, hi)
               and not (handsets and "Cell Phone Accessories" in " ".join(self.paths[i]))}
        if gold:
            out = {i for i in out if self.cat_ok(i, gold[1] or gold[0])}
        return out


def load_products(path: Path) -> list[dict]:
    opener = gzip.open if path.suffix == ".gz" else open
    with opener(path, "rt", encoding="utf-8") as f:
        return json.load(f)


def figures(rows: list[dict]) -> dict:
    judged = [r for r in rows if r["n_relevant"] > 0]
    n = max(len(judged), 1)
    return {"queries": len(rows), "judged": len(judged),
            "p_at_10": {"base": round(sum(r["pb"] for r in judged) / n, 3),
                        "kgqp": round(sum(r["pk"] for r in judged) / n, 3)},
            "zero_by_filter": sum(1 for r in judged if r["nk"] == 0 and r["rb"] > 0),
            "better": sum(r["pk"] > r["pb"] for r in judged),
            "worse": sum(r["pk"] < r["pb"] for r in judged)}


def summary(rows: list[dict]) -> dict:
    out = figures(rows)
    out["per_source"] = {src: figures([r for r in rows if r["source"] == src])
                         for src in SOURCES}
    judged = [r for r in rows if r["n_relevant"] > 0]
    link = [r for r in judged if r["link_category"]]
    total = sum(r["n_relevant"] for r in link)
    removed = sum(r["cat_removed"] for r in link)
    lost = sum(1 for r in link if 0 < r["cat_removed"] >= 0.5 * r["n_relevant"])
    out["link_category"] = {"queries": len(link), "relevant": total,
                            "relevant_kept": total - removed, "queries_losing_half": lost}
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--bundle", type=Path, default=Path("~/.cache/kgqp/bundle").expanduser())
    ap.add_argument("--queries", type=Path, default=QUERIES)
    ap.add_argument("--products", type=Path, default=PRODUCTS,
                    help="catalogue JSON (.gz read transparently); the raw copy has descriptions")
    ap.add_argument("--rows", type=Path, default=None, help="write per-query rows (JSONL)")
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    os.environ.setdefault("OMP_NUM_THREADS", "1")
    from kg.io import atomic_write_bytes
    from parser.pipeline import QueryParser

    for what, path in (("--products", args.products), ("--queries", args.queries),
                       ("--bundle", args.bundle)):
        if not path.exists():
            ap.error(f"{what}: {path} does not exist")
    products = load_products(args.products)
    if not any(p.get("description") for p in products):
        log.warning("%s has no descriptions: BM25 and exclusions see names only, the figures "
                    "are not comparable with the reviewer's engine", args.products)
    cat = Catalogue(products)
    queries = [json.loads(line) for line in args.queries.read_text().splitlines() if line.strip()]
    log.info("%d products, %d queries; parsing with %s", cat.N, len(queries), args.bundle)
    parser = QueryParser.from_pretrained(args.bundle)
    rows = []
    for n, q in enumerate(queries, 1):
        p = parser(q["query"]).to_dict()
        rel = cat.relevant(q["query"], q.get("gold"))
        b, k, passes = cat.rank(p)
        rows.append({
            "query": q["query"], "source": q["source"], "n_relevant": len(rel),
            "nb": len(b), "nk": len(k),
            "pb": sum(i in rel for i in b[:10]) / 10, "pk": sum(i in rel for i in k[:10]) / 10,
            "rb": sum(i in rel for i in b[:50]), "rk": sum(i in rel for i in k[:50]),
            "cat_removed": len(rel - passes["category"]) if "category" in passes else 0,
            "link_category": any(fs["field"] == "category" and fs["source"].startswith("link:")
                                 for fs in p.get("filter_sources", [])),
            "filters": {a: c for a, c in (p["filters"] or {}).items() if c}})
        if n % 100 == 0:
            log.info("%d/%d queries", n, len(queries))
    if args.rows:
        atomic_write_bytes(args.rows, "".join(json.dumps(r) + "\n" for r in rows).encode())
    print(json.dumps(summary(rows)))


if __name__ == "__main__":
    main()
