"""Produce the project's data/ folder from the shared raw data (deterministic).

Usage (from the project root)::

    python data/prepare.py                       # reads ../shared/data, writes data/
    python data/prepare.py --shared /path/to/shared/data --out data

Each output is trimmed to the fields kgqp uses; large ones are gzip-compressed with a zero
mtime, so running this twice gives byte-identical files. See data/README.md for provenance.
"""

from __future__ import annotations

import argparse
import ast
import csv
import gzip
import io
import json
import logging
import re
import sys
from collections import Counter
from pathlib import Path

log = logging.getLogger("prepare")

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:  # run as a script: the project's packages (parser.tagger ...)
    sys.path.insert(0, str(ROOT))
FLIPKART_COLUMNS = ("pid", "product_name", "brand", "product_category_tree",
                    "product_specifications")
PRODUCT_FIELDS = ("objectID", "name", "brand", "categories", "hierarchicalCategories", "type",
                  "price", "popularity")
QUERY_FACETS = ("hierarchicalCategories.lvl0", "hierarchicalCategories.lvl1",
                "hierarchicalCategories.lvl2")
_WORD_VALUE = re.compile(r"^[A-Za-z][A-Za-z \-]{1,19}$")


def write(path: Path, data: bytes, *, compress: bool) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    if compress:
        buf = io.BytesIO()
        with gzip.GzipFile(filename="", mode="wb", fileobj=buf, mtime=0, compresslevel=9) as gz:
            gz.write(data)
        data = buf.getvalue()
        path = path.with_name(path.name + ".gz")
    path.write_bytes(data)
    log.info("wrote %s (%d bytes)", path, len(data))


def dumps_jsonl(items: list[dict]) -> bytes:
    return "".join(json.dumps(x, ensure_ascii=False) + "\n" for x in items).encode()


def bestbuy(shared: Path, out: Path) -> None:
    cats = json.loads((shared / "bestbuy/categories.json").read_text(encoding="utf-8"))
    cats = [{"id": c["id"], "name": c["name"], "path": c["path"],
             "subCategories": [{"id": s["id"], "name": s["name"]} for s in c["subCategories"]]}
            for c in cats]
    write(out / "bestbuy/categories.json",
          json.dumps(cats, ensure_ascii=False, separators=(",", ":")).encode(), compress=True)
    products = json.loads((shared / "bestbuy/products_cellphones.json").read_text(encoding="utf-8"))
    products = [{k: p[k] for k in PRODUCT_FIELDS if k in p} for p in products]
    write(out / "bestbuy/products_cellphones.json",
          json.dumps(products, ensure_ascii=False, separators=(",", ":")).encode(), compress=True)
    for split in ("train", "dev"):
        rows = []
        src = shared / f"bestbuy/queries_{split}.jsonl"
        for line in src.read_text(encoding="utf-8").splitlines():
            if not line.strip():
                continue
            q = json.loads(line)
            exact = q.get("instant_search", {}).get("facets", {}).get("exact_matches", {})
            rows.append({"instant_search": {"facets": {"exact_matches": {
                k: exact.get(k, []) for k in QUERY_FACETS}}},
                "popularity": q.get("popularity"), "query": q["query"]})
        write(out / f"bestbuy/queries_{split}.jsonl", dumps_jsonl(rows), compress=False)


def taxonomy(shared: Path, out: Path) -> None:
    src = shared / "taxonomy/taxonomy-with-ids.en-US.txt"
    write(out / "taxonomy/taxonomy-with-ids.en-US.txt", src.read_bytes(), compress=True)


def flipkart(shared: Path, out: Path) -> None:
    with open(shared / "flipkart/catalog_with_specs.csv", encoding="utf-8", newline="") as fh:
        rows = list(csv.DictReader(fh))
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(FLIPKART_COLUMNS)
    for r in rows:
        w.writerow([r[c] for c in FLIPKART_COLUMNS])
    write(out / "flipkart/catalog_with_specs.csv", buf.getvalue().encode(), compress=True)

    with open(shared / "flipkart/name_brand_20k.csv", encoding="utf-8", newline="") as fh:
        brands = {r["brand"].strip() for r in csv.DictReader(fh) if r["brand"].strip()}
    write(out / "flipkart/brands.txt",
          "".join(b + "\n" for b in sorted(brands, key=lambda b: (b.casefold(), b))).encode(),
          compress=False)

    # curated colour/material lists: single-word-ish spec values seen at least twice
    colors: Counter[str] = Counter()
    materials: Counter[str] = Counter()
    for r in rows:
        try:
            specs = ast.literal_eval(r["product_specifications"] or "[]")
        except (ValueError, SyntaxError):
            continue
        for e in specs if isinstance(specs, list) else [specs]:
            key = str(e.get("key", "")).lower() if isinstance(e, dict) else ""
            value = str(e.get("value", "")) if isinstance(e, dict) else ""
            if key == "color" or key.endswith(" color"):
                target = colors
            elif key in {"fabric", "material"} or key.endswith(" material"):
                target = materials
                value = value.replace("100%", "")
            else:
                continue
            for v in re.split(r"\s*(?:,|/|&|\band\b)\s*", value):
                v = re.sub(r"\s+(strap|case|sheet)$", "", v.strip(), flags=re.IGNORECASE)
                if _WORD_VALUE.match(v):
                    target[v.title()] += 1
    for name, counter in (("colors", colors), ("materials", materials)):
        values = sorted(v for v, n in counter.items() if n >= 2)
        write(out / f"attributes/{name}.txt", "".join(v + "\n" for v in values).encode(),
              compress=False)


def queryner(shared: Path, out: Path) -> None:
    for split in ("train", "validation"):
        src = shared / f"queryner/{split}.conll"
        write(out / f"queryner/{split}.conll", src.read_bytes(), compress=False)


def _lines(names) -> bytes:
    return "".join(n + "\n" for n in sorted(set(names), key=lambda n: (n.casefold(), n))).encode()


def queryner_gazetteers(shared: Path, out: Path) -> None:
    """Gazetteers mined from the QueryNER TRAINING annotations (never validation): one file per
    label of ``parser.tagger.lexicon.MINED_LABELS``. Training sees them cross-fold
    (``parser.tagger.training.train_with_kg``); the served KG holds them whole."""
    from parser.tagger.data import read_conll
    from parser.tagger.lexicon import mine_gazetteer

    mined = mine_gazetteer(read_conll(shared / "queryner/train.conll"))
    for label, names in mined.items():
        write(out / f"lexicon/queryner_{label}.txt", _lines(names), compress=False)


_OA_ATTRIBUTES = {"Brand": "brands", "Sub brand": "brands", "Color": "colors",
                  "Material": "materials", "Gender": "departments"}


def oa_mine(shared: Path, out: Path) -> None:
    """Brands, colours, materials and genders (departments) of the OA-Mine Amazon titles."""
    found: dict[str, set[str]] = {v: set() for v in _OA_ATTRIBUTES.values()}
    for line in (shared / "oa_mine/train.jsonl").read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        for attribute, values in json.loads(line)["target_scores"].items():
            target = _OA_ATTRIBUTES.get(attribute)
            for v in values if target else ():
                v = " ".join(v.split())
                if 2 <= len(v) <= 40 and any(ch.isalpha() for ch in v):
                    found[target].add(v)
    for name, values in found.items():
        write(out / f"lexicon/oa_mine_{name}.txt", _lines(values), compress=False)


_TYPE_PART = re.compile(r"^[A-Za-z][A-Za-z' \-]{1,39}$")


def product_types(shared: Path, out: Path) -> None:
    """Product-type names from the Google taxonomy: every non-root category name, split on
    ``&``, ``,`` and ``and`` ("Shirts & Tops" -> Shirts, Tops); the gazetteer loader adds the
    singular/plural variants at load time (``variants=number``)."""
    names: set[str] = set()
    src = shared / "taxonomy/taxonomy-with-ids.en-US.txt"
    for line in src.read_text(encoding="utf-8").splitlines():
        if line.startswith("#") or " - " not in line:
            continue
        path = line.split(" - ", 1)[1].split(" > ")
        if len(path) < 2:
            continue
        for part in re.split(r"\s*(?:&|,|\band\b)\s*", path[-1]):
            part = part.strip()
            if _TYPE_PART.match(part):
                names.add(part)
    write(out / "lexicon/google_product_types.txt", _lines(names), compress=True)


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--shared", type=Path, default=ROOT.parent / "shared" / "data")
    ap.add_argument("--out", type=Path, default=ROOT / "data")
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    for step in (bestbuy, taxonomy, flipkart, queryner, queryner_gazetteers, oa_mine,
                 product_types):
        step(args.shared, args.out)


if __name__ == "__main__":
    main()
