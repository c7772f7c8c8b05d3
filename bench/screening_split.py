"""A screening split of QueryNER TRAIN, to choose tagger changes without touching validation.

Copies ``data/`` to ``--out`` with ``queryner/train.conll`` cut in two, seeded (80 % stays the
training split, 20 % becomes ``queryner/validation.conll`` of the copy), and the gazetteers mined
from the training annotations (``lexicon/queryner_*.txt``) mined again from the 80 % only, so
that no screening query sees its own spans as KG names; then builds the default KG of the copy
into ``--kg``. Candidates are then trained and scored on it with ``bench/tagger_lexicon_f1.py
--data OUT --kg KG``, and only the chosen one is run on the real validation split.

    python bench/screening_split.py --out /tmp/scr/data --kg /tmp/scr/kg
    python bench/tagger_lexicon_f1.py --seed 0 --kg /tmp/scr/kg --data /tmp/scr/data \\
        --threads 1 --crf --out /tmp/scr/runs/crf-0
"""

from __future__ import annotations

import argparse
import json
import logging
import random
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
log = logging.getLogger("screening_split")


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--data", type=Path, default=ROOT / "data", help="the project's data/")
    ap.add_argument("--out", type=Path, required=True, help="the copy with the split")
    ap.add_argument("--kg", type=Path, required=True, help="the KG of the copy (built here)")
    ap.add_argument("--share", type=float, default=0.2, help="share of train screened on")
    ap.add_argument("--seed", type=int, default=20261202)
    args = ap.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")

    import importlib.util

    from kg.build import build_default

    # the gazetteers are mined as data/prepare.py mines the shipped ones, from the copy's train
    spec = importlib.util.spec_from_file_location("prepare", args.data / "prepare.py")
    prepare = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(prepare)

    if args.out.exists():
        shutil.rmtree(args.out)
    shutil.copytree(args.data, args.out)
    raw = (args.data / "queryner" / "train.conll").read_text(encoding="utf-8")
    blocks = [b for b in raw.strip().split("\n\n") if b.strip()]
    random.Random(args.seed).shuffle(blocks)
    n_dev = int(len(blocks) * args.share)
    q = args.out / "queryner"
    (q / "validation.conll").write_text("\n\n".join(blocks[:n_dev]) + "\n\n", encoding="utf-8")
    (q / "train.conll").write_text("\n\n".join(blocks[n_dev:]) + "\n\n", encoding="utf-8")
    prepare.queryner_gazetteers(args.out, args.out)
    mined = {p.stem.removeprefix("queryner_"): len(p.read_text(encoding="utf-8").splitlines())
             for p in sorted((args.out / "lexicon").glob("queryner_*.txt"))}
    graph = build_default(args.kg, force=True, data_dir=args.out, progress=False)
    stats = graph.stats().to_dict()
    graph.close()
    result = {"train": len(blocks) - n_dev, "screen": n_dev,
              "mined": mined, "kg_triples": stats["triples"]}
    sys.stdout.write(json.dumps(result) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
