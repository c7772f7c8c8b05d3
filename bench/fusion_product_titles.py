"""Catalogue product titles as weak training queries of the intent, under cross-validation.

Issue 16 item 2 (weak supervision from the catalogue). The shipped training already adds the
KG's category names as weak queries (:mod:`fusion.weak`); this benchmark adds, to every
training fold, the titles of the Best Buy products shipped in ``data/`` (the Cell Phones
slice the default KG is built from), each labelled with its product's lvl1 category and
featurised like the category names (the text embedding only). At most ``--per-label``
titles per category, the most popular first (2,836 of the 3,291 products are Cell Phone
Accessories). Everything else is the shipped recipe (``kgqp fusion evaluate --cv``'s
``full`` variant), the same folds and seeds; ``--arms base,titles``.

    python bench/fusion_product_titles.py --kg ~/.cache/kgqp/kg --tagger ~/.cache/kgqp/tagger \\
        --features /tmp/cv/feat-t0 --cache /tmp/cv/cache --arms titles --report titles.json

``--features``: a folder ``kgqp fusion evaluate --cv --features`` wrote with the same tagger
and KG. Prints the lvl0/lvl1 summary and each seed's figures per arm.
"""

from __future__ import annotations

import argparse
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from _fusion_cv import (  # noqa: E402
    add_arm_arguments,
    add_cv_arguments,
    featurised_inputs,
    shipped_full_cv,
    write_report,
)

PRODUCTS = ROOT / "data" / "bestbuy" / "products_cellphones.json.gz"


def product_titles(path: Path, per_label: int) -> list[tuple[str, str]]:
    """``(title, lvl1 path)`` of the products in ``path``: at most ``per_label`` per lvl1
    category, the most popular first (ties by title)."""
    from kg.loaders._common import read_json

    by_label: dict[str, list[tuple[int, str]]] = {}
    for p in read_json(path):
        cats = p.get("hierarchicalCategories")
        cats = ast.literal_eval(cats) if isinstance(cats, str) else cats or {}
        lvl1, name = cats.get("lvl1"), " ".join(str(p.get("name") or "").split())
        if lvl1 and name:
            by_label.setdefault(lvl1, []).append((-int(p.get("popularity") or 0), name))
    return [(name, lvl1) for lvl1, items in sorted(by_label.items())
            for _, name in sorted(items)[:per_label]]


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    add_cv_arguments(ap)
    add_arm_arguments(ap, "base,titles")
    ap.add_argument("--per-label", type=int, default=20,
                    help="most popular product titles per lvl1 category")
    args = ap.parse_args()

    from fusion.weak import featurize_weak, taxonomy_queries

    graph, featurizer, examples = featurised_inputs(ap, args)
    names = featurize_weak(taxonomy_queries(graph), featurizer)
    out = {}
    for arm in args.arms.split(","):
        if arm == "base":
            weak, extra = names, 0
        elif arm == "titles":
            titles = product_titles(PRODUCTS, args.per_label)
            weak, extra = names + featurize_weak(titles, featurizer), len(titles)
        else:
            ap.error(f"unknown arm {arm!r}: base or titles")
        res = shipped_full_cv(graph, featurizer, examples, weak, args, args.cache)
        out[arm] = {**res, "product_titles": extra}
    write_report(out, args.report)


if __name__ == "__main__":
    main()
