"""Rules answered while the rules file is re-saved the ordinary way under readers.

Reader threads apply a ``RulesFile`` (serving mode: ``keep_last_good=True``) to one query in a
loop while the file is re-saved ``--saves`` times as an editor does (open for writing, which
empties it, then write the same text a few milliseconds later). Counts the answers by the
number of rules applied: an answer with none is one a save in progress served.

    python bench/rules_reload.py --rules data/rules.txt --query "cheap tv" --saves 100
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rules", type=Path, default=ROOT / "data" / "rules.txt")
    ap.add_argument("--query", default="cheap tv", help="a query the rules fire on")
    ap.add_argument("--saves", type=int, default=100)
    ap.add_argument("--readers", type=int, default=3)
    ap.add_argument("--write-delay", type=float, default=0.005, help="seconds the file stays empty")
    args = ap.parse_args()

    from fusion.rules import RulesFile

    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "rules.txt"
        shutil.copy(args.rules, path)
        text = path.read_text(encoding="utf-8")
        rules = RulesFile(path, name="rules.txt", keep_last_good=True)
        expected = len(rules.apply(args.query).applied)
        counts: Counter[int] = Counter()
        stop = threading.Event()

        def reader() -> None:
            while not stop.is_set():
                counts[len(rules.apply(args.query).applied)] += 1
                time.sleep(0.001)

        threads = [threading.Thread(target=reader) for _ in range(args.readers)]
        for t in threads:
            t.start()
        for _ in range(args.saves):
            with open(path, "w", encoding="utf-8") as fh:  # (emptied, as an editor's save)
                time.sleep(args.write_delay)
                fh.write(text)
            time.sleep(0.02)
        stop.set()
        for t in threads:
            t.join()
    answers = sum(counts.values())
    wrong = answers - counts[expected]
    print(f"{answers} answers, {wrong} without the {expected} rules the query fires "
          f"({wrong / max(answers, 1):.1%})")
    print(json.dumps({"answers": answers, "expected_rules": expected, "wrong": wrong,
                      "by_rules_applied": dict(sorted(counts.items()))}))


if __name__ == "__main__":
    main()
