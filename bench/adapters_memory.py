"""LoRA adapters per market: adapter size against the backbone, and the memory of two markets in
one process on one backbone against two separately loaded taggers.

Trains two small adapters on the offline MiniLM (2 layers by default, `--layers`; `--train-n`
queries each for one epoch: enough for real folders, NOT for quality: this script measures size and
memory only), an English one on QueryNER train and a Chinese one on the Chinese e-commerce train
set, then measures in fresh processes the memory of

* one market alone,
* both markets with `Tagger.markets` (one backbone in memory),
* both adapters loaded separately (`Tagger.from_pretrained` twice: two backbones),

after tagging one query per market (VmRSS, and the peak VmHWM, from /proc/self/status).

    python bench/adapters_memory.py --out /tmp/kgqp-adapters
"""

from __future__ import annotations

import argparse
import json
import logging
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

logger = logging.getLogger("bench.adapters_memory")

PROBE = """
import gc, json, sys, torch
torch.set_num_threads(1)
sys.path.insert(0, {root!r})
from parser.tagger import Tagger
mode, en, zh = sys.argv[1:4]
if mode == "one":
    taggers = {{"en": Tagger.from_pretrained(en)}}
elif mode == "shared":
    taggers = Tagger.markets({{"en": en, "zh": zh}})
else:
    taggers = {{"en": Tagger.from_pretrained(en), "zh": Tagger.from_pretrained(zh)}}
for name, t in taggers.items():
    t("samsung 55 inch tv" if name == "en" else "三星电视机")
gc.collect()
mem = {{}}
for line in open("/proc/self/status"):
    if line.startswith(("VmRSS", "VmHWM")):
        key, value = line.split(":")
        mem[key] = int(value.split()[0]) // 1024
print(json.dumps({{"mode": mode, "rss_mb": mem["VmRSS"], "peak_rss_mb": mem["VmHWM"]}}))
"""


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", default="/tmp/kgqp-adapters")
    ap.add_argument("--queryner", default=str(ROOT / "data" / "queryner"))
    ap.add_argument("--zh", default=str(ROOT.parent / "shared" / "data" / "zh_ecommerce"))
    ap.add_argument("--train-n", type=int, default=200)
    ap.add_argument("--layers", type=int, default=2)
    args = ap.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s: %(message)s")
    logging.getLogger("parser").setLevel(logging.WARNING)

    from parser.tagger.adapters import AdapterConfig
    from parser.tagger.data import read_conll, write_conll
    from parser.tagger.training import TrainConfig, default_backbone, train

    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    zh_dir = Path(args.zh)
    zh_train = next(p for p in sorted(zh_dir.iterdir()) if "train" in p.name)
    zh_dev = next(p for p in sorted(zh_dir.iterdir()) if "dev" in p.name)
    sets = {"en": (Path(args.queryner) / "train.conll", Path(args.queryner) / "validation.conll"),
            "zh": (zh_train, zh_dev)}
    for market, (tr, dev) in sets.items():
        if (out / market / "adapter.json").is_file():
            continue
        write_conll(out / f"{market}-train.conll", read_conll(tr)[:args.train_n])
        write_conll(out / f"{market}-dev.conll", read_conll(dev)[:100])
        train(TrainConfig(train_path=out / f"{market}-train.conll",
                          dev_path=out / f"{market}-dev.conll", out_dir=out / market,
                          num_layers=args.layers, epochs=1, num_threads=1, progress=False,
                          adapter=AdapterConfig(market=market)))
    base = default_backbone() / "model.safetensors"
    sizes = {m: (out / m / "adapter.safetensors").stat().st_size for m in sets}
    import math

    from safetensors import safe_open

    n_base = kept = 0
    with safe_open(str(base), "pt") as f:
        for k in f.keys():  # noqa: SIM118 - safe_open has no __iter__
            n = math.prod(f.get_slice(k).get_shape())
            n_base += n
            layer = next((int(p) for p in k.split(".") if p.isdigit()), None)
            if layer is None or layer < args.layers:
                kept += n
    report = {"adapter_bytes": sizes, "backbone_params": n_base,
              "backbone_params_in_the_kept_layers": kept,
              "adapter_share_of_kept_backbone": {m: round(b / 4 / kept, 4)
                                                 for m, b in sizes.items()}}
    for mode in ("one", "shared", "separate"):
        res = subprocess.run([sys.executable, "-c", PROBE.format(root=str(ROOT)), mode,
                              str(out / "en"), str(out / "zh")], capture_output=True,
                             text=True, check=True)
        mem = json.loads(res.stdout.strip().splitlines()[-1])
        report[mode] = {"rss_mb": mem["rss_mb"], "peak_rss_mb": mem["peak_rss_mb"]}
    print(json.dumps(report, indent=2))


if __name__ == "__main__":
    main()
