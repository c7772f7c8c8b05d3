"""Re-judge the linking gold against the current default KG (2026-12-02) and check it.

The gold was first judged against an older default KG (store version 7, canonical hash
``ad739891...``). The default KG has since gained OA-Mine brands/colours/materials/departments,
Google product types, gazetteers mined from the QueryNER training annotations and a hygiene
pass. This script records the re-judging: it starts from the judgements as committed in
:data:`BASE_COMMIT`, applies the KG-wide rules below and the per-mention decisions in
:data:`DECISIONS` (each made by searching the KG with ``bench/link_gold_search.py``, never with the
linker), writes the gold files, and prints the table of changed judgements.

KG-wide rules:

* an IRI the hygiene pass merged into a duplicate is replaced by the IRI it was merged into
  (``ideal_for/girls`` -> ``ideal_for/girl``, ``ideal_for/boys`` -> ``ideal_for/boy``,
  ``material/wooden`` -> ``material/wood``);
* ``gold``/``acceptable_broader`` hold only nodes the KG offers as link targets: nodes marked
  ``kgqp:linkable false`` (promotion/outlet/business/gift-card/genre categories, and the
  lexicon-only product types, departments, shapes and occasions) move to ``gold_nonlinkable``.

    python bench/link_gold_rejudge.py --kg /tmp/newkg            # rewrite the gold files
    python bench/link_gold_rejudge.py --kg /tmp/newkg --check    # only check every IRI exists
"""

from __future__ import annotations

import argparse
import collections
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
EVAL = ROOT / "data" / "eval"
sys.path.insert(0, str(Path(__file__).resolve().parent))

from link_gold_search import load_nodes  # noqa: E402

from kg.io import atomic_write_text  # noqa: E402

BASE_COMMIT = "79edd13"  # the gold as first judged (KG store version 7)
FILES = ("link_gold_queryner.jsonl", "link_gold_bestbuy.jsonl")
DATE = "2026-12-02"
ID = "https://kgqp.dev/id/"

MERGED = {
    ID + "attribute_value/ideal_for/girls": ID + "attribute_value/ideal_for/girl",
    ID + "attribute_value/ideal_for/boys": ID + "attribute_value/ideal_for/boy",
    ID + "attribute_value/material/wooden": ID + "attribute_value/material/wood",
}


def b(key: str) -> str:
    return ID + "brand/" + key


def c(attr: str, key: str) -> str:
    return f"{ID}attribute_value/{attr}/{key}"


#: id -> {"gold": [...] (replaces), "add": [...] (added to gold), "broader": [...] (replaces),
#:        "nonlinkable": [...] (lexicon-only nodes naming the entity), "why": reason}
DECISIONS: dict[str, dict] = {
    # ---- QueryNER: brands that are new nodes (OA-Mine or mined from QueryNER train)
    "qn-0011": {
        "gold": [b("polo"), b("polo-ralph-lauren")],
        "why": "Polo (Ralph Lauren): OA-Mine 'Polo Ralph Lauren' and mined 'polo' (train: "
        "'polo socks'); 'us polo' (U.S. Polo Assn.) and type value 'Polo' are other entities",
    },
    "qn-0015": {
        "gold": [b("next-level")],
        "why": "mined brand 'next level' (Next Level Apparel; train: 'next level t shirt')",
    },
    "qn-0020": {"gold": [b("oakley")], "why": "mined brand 'oakley'"},
    "qn-0041": {
        "add": [b("black-and-decker")],
        "why": "mined 'black and decker' duplicates Flipkart 'Black & Decker'",
    },
    "qn-0063": {
        "gold": [b("redmi")],
        "why": "mined brand 'redmi' (Xiaomi's Redmi; train: 'earbuds redmi')",
    },
    "qn-0198": {
        "add": [b("moleskin")],
        "why": "mined 'moleskin' is Moleskine misspelt (train: 'moleskin classic xl')",
    },
    "qn-0214": {"gold": [b("rustoleum")], "why": "mined brand 'rustoleum' (Rust-Oleum)"},
    "qn-0220": {"gold": [b("g--shock")], "why": "mined brand 'g- shock' (Casio G-Shock)"},
    "qn-0243": {
        "gold": [b("aveeno")],
        "why": "'abeeno' is a typo of the whole name Aveeno (OA-Mine brand); 'Aveeno Baby' is a "
        "sub-line, 'Abee'/'abeo' look-alikes",
    },
    "qn-0248": {"gold": [b("volcom")], "why": "mined brand 'volcom'"},
    "qn-0256": {"gold": [b("kelty")], "why": "mined brand 'kelty' (train: 'kelty tent')"},
    "qn-0293": {
        "gold": [b("vans"), b("van-s")],
        "why": "OA-Mine 'Vans' and mined \"van's\" (train: \"classic van's men old school\") are "
        "the "
        "shoe brand; product types 'van'/'Vans' are vehicles",
    },
    "qn-0308": {
        "gold": [b("maybelline"), b("mabeline")],
        "why": "mined 'maybelline' and its misspelt duplicate 'mabeline' (train: 'mabeline eye "
        "shadows')",
    },
    "qn-0314": {
        "gold": [b("bushnell")],
        "why": "mined brand 'bushnell' (optics: binoculars, scopes)",
    },
    "qn-0315": {
        "gold": [b("cherokee")],
        "why": "mined brand 'cherokee' (train: 'cherokee infinity scrub bottom')",
    },
    "qn-0328": {"gold": [b("seiko")], "why": "mined brand 'seiko' (watches)"},
    "qn-0333": {"gold": [b("casio")], "why": "mined brand 'casio'"},
    "qn-0334": {"gold": [b("msi")], "why": "mined brand 'msi' (PC hardware)"},
    "qn-0339": {"gold": [b("nature-s-bounty")], "why": 'OA-Mine brand "Nature\'s Bounty"'},
    "qn-0348": {"gold": [b("tory-burch")], "why": "mined brand 'tory burch'"},
    "qn-0361": {
        "gold": [b("lego"), b("legos")],
        "why": "mined 'lego' and its plural duplicate 'legos' (train: 'legos for boys age 4-7')",
    },
    "qn-0364": {
        "gold": [b("grateful-dead")],
        "why": "mined brand 'grateful dead' names the band whose merchandise this is (same entity, "
        "labelled content here)",
    },
    "qn-0378": {"gold": [b("hanes")], "why": "OA-Mine brand 'Hanes'"},
    # ---- QueryNER: colours and materials that are new nodes or new duplicates
    "qn-0004": {
        "add": [c("color", "clear")],
        "why": "OA-Mine colour 'Clear' is the same colour as 'Transparent'",
    },
    "qn-0052": {"gold": [c("color", "coral")], "why": "mined colour 'coral'"},
    "qn-0123": {"gold": [c("color", "teal")], "why": "mined colour 'teal'"},
    "qn-0125": {
        "add": [c("material", "in-leather")],
        "why": "mined material 'in leather' is leather (train: '... case in leather')",
    },
    "qn-0127": {
        "gold": [c("color", "blank")],
        "why": "mined colour 'blank' (undecorated; train: 'blank high security check paper') is "
        "the "
        "sense of this colour-labelled mention",
    },
    "qn-0147": {
        "broader": [c("material", "chocolate")],
        "nonlinkable": [ID + "product_type/dark-chocolate"],
        "why": "no 'dark chocolate' material; mined material 'chocolate' is broader",
    },
    "qn-0217": {
        "add": [c("material", "silicon")],
        "why": "mined material 'silicon' is silicone misspelt (train: 'silicon baking matas'); "
        "Flipkart colour 'Silicon' is not a material",
    },
    "qn-0233": {
        "gold": [c("color", "cheetah-print"), c("color", "cheetah")],
        "why": "mined colours 'cheetah print' and 'cheetah' (train: 'cheetah sarongs') name the "
        "print",
    },
    "qn-0238": {
        "add": [c("material", "woodwn")],
        "why": "mined material 'woodwn' is 'wooden' misspelt",
    },
    "qn-0299": {
        "add": [c("material", "woodwn")],
        "why": "mined material 'woodwn' is 'wooden' misspelt",
    },
    "qn-0289": {
        "add": [c("material", "denin")],
        "why": "mined material 'denin' is denim misspelt (train: 'denin dress for women')",
    },
    # ---- QueryNER: NIL kept although a new node has the name
    "qn-0180": {"why": "still NIL: BestBuy 'Nomad' (phone accessories) is not Music Nomad"},
    "qn-0206": {"why": "OA-Mine brand 'Kids' is not the audience"},
    "qn-0230": {"why": "OA-Mine brand 'Kids' is not the audience"},
    "qn-0244": {"why": "OA-Mine brand 'Kids' is not the audience"},
    "qn-0249": {"why": "OA-Mine brand 'Kids' is not the audience"},
    "qn-0292": {"why": "OA-Mine brand 'Kids' is not the audience"},
    "qn-0218": {"why": "Flipkart brand '@home' is not 'for the home'"},
    "qn-0263": {"why": "mined product type 'vegan' is not this (vegan Adidas shoes)"},
    "qn-0340": {"why": "Flipkart 'Johhny Cash' clothing label is still not the singer"},
    "qn-0350": {
        "why": "still NIL: mined brand 'fuji' is Fuji bikes (train: 'fuji bycycle'), not a paint "
        "brand; Muji is a look-alike"
    },
    "qn-0365": {
        "why": "still NIL: OA-Mine 'Polo Ralph Lauren' and 'Ralph Lauren Layette' are sub-lines, "
        "not Ralph Lauren (Home) as such"
    },
    "qn-0370": {"why": "mined 'helmut lang' is another brand"},
    "qn-0376": {"why": "Flipkart 'Stanford' is a look-alike"},
    "qn-0047": {"why": "mined brand 'harley' (Harley-Davidson) is not Harley Quinn"},
    "qn-0224": {"why": "still NIL: 'Sharp' is a look-alike"},
    "qn-0283": {"why": "still NIL: 'Swann' is a look-alike"},
    # ---- Best Buy
    "bb-0002": {
        "gold": [b("nintendo")],
        "why": "mined brand 'nintendo' (train: 'nintendo switch tablet')",
    },
    "bb-0071": {
        "add": [b("amazon.com")],
        "why": "mined 'amazon.com' is Amazon; OA-Mine 'Amazon Brand' (private labels) is not it",
    },
    "bb-0105": {
        "gold": [ID + "category/google/53"],
        "broader": [],
        "why": "the Best Buy gift-card categories are now non-linkable (root 'Best Buy Gift "
        "Cards'); "
        "Google 'Gift Cards & Certificates' names gift cards",
    },
    "bb-0061": {"why": "OA-Mine colour 'Color' is not the colour-printing feature"},
    "bb-0114": {"why": "OA-Mine colour 'Soft' is not the feature 'soft'"},
}

#: NIL mentions: lexicon-only (non-linkable) nodes that name the same entity
NONLINKABLE_NIL: dict[str, list[str]] = {
    "qn-0010": ["product_type/push-up-bra"],
    "qn-0103": ["attribute_value/occasion/holiday"],
    "qn-0139": ["attribute_value/occasion/christmas"],
    "qn-0290": ["attribute_value/occasion/christmas"],
    "qn-0144": ["product_type/case", "product_type/cases"],
    "qn-0179": ["product_type/case", "product_type/cases"],
    "qn-0159": ["attribute_value/shape/tall"],
    "qn-0161": ["product_type/storage"],
    "qn-0171": ["attribute_value/shape/round"],
    "qn-0186": ["attribute_value/department/family"],
    "qn-0194": ["attribute_value/shape/big"],
    "qn-0206": ["attribute_value/department/kid"],
    "qn-0230": ["attribute_value/department/kid"],
    "qn-0249": ["attribute_value/department/kid"],
    "qn-0292": ["attribute_value/department/kid"],
    "qn-0244": ["attribute_value/department/for-kids", "attribute_value/department/kid"],
    "qn-0211": ["attribute_value/department/for-pregnant-women"],
    "qn-0241": ["attribute_value/department/preschool"],
    "qn-0253": ["attribute_value/occasion/birthday", "attribute_value/occasion/for-birthday"],
    "qn-0276": ["attribute_value/occasion/halloween"],
    "qn-0282": ["attribute_value/department/baby"],
    "qn-0288": ["attribute_value/department/for-toddler", "attribute_value/department/toddler"],
    "qn-0298": ["attribute_value/department/newborn"],
    "qn-0300": [
        "attribute_value/department/for-toddler-boy",
        "attribute_value/department/toddler-boy",
    ],
    "qn-0313": ["attribute_value/shape/with-clips"],
    "qn-0343": ["attribute_value/shape/mini"],
    "qn-0354": ["attribute_value/shape/mini"],
    "qn-0355": ["attribute_value/occasion/housewarming"],
    "qn-0356": ["attribute_value/occasion/new-home"],
    "qn-0360": ["attribute_value/occasion/valentines-day"],
    "qn-0363": ["attribute_value/shape/deer"],
    "bb-0015": ["product_type/usb"],
    "bb-0060": ["product_type/condiments"],
    "bb-0069": ["attribute_value/occasion/baseball"],
}


def direction(old: list[str], new: list[str]) -> str:
    if not old and not new:
        return "unchanged"
    if not old:
        return "NIL->node"
    if not new:
        return "node->NIL"
    if set(old) == set(new):
        return "unchanged"
    return "node->other node"


def detail(old: list[str], new: list[str]) -> str:
    """Sub-kind of a node->other node change."""
    o = {MERGED.get(x, x) for x in old}
    n = set(new)
    if n < o or (n == o):
        return "nodes dropped (merged or non-linkable)"
    if o < n:
        return "duplicates added"
    if o & n:
        return "duplicates added and nodes dropped"
    return "different node"


def root(node: dict) -> str:
    return (node["path"] or "").split(" > ")[0]


def dedupe(xs: list[str]) -> list[str]:
    return list(dict.fromkeys(xs))


def rejudge(rows: list[dict], nodes: dict[str, dict], info: dict) -> list[dict]:
    out = []
    for r in rows:
        r = dict(r)
        d = DECISIONS.get(r["id"], {})
        old_gold, old_broader = list(r["gold"]), list(r["acceptable_broader"])
        gold = dedupe(MERGED.get(x, x) for x in old_gold)
        broader = dedupe(MERGED.get(x, x) for x in old_broader)
        if "gold" in d:
            gold = list(d["gold"])
        gold = dedupe(gold + d.get("add", []))
        if "broader" in d:
            broader = list(d["broader"])
        nonlink = [x for x in gold + broader if x in nodes and not nodes[x]["linkable"]]
        if r["id"] == "bb-0105":  # the old gold's gift-card categories, now non-linkable
            nonlink = [x for x in old_gold if not nodes[x]["linkable"]]
        gold = [x for x in gold if x not in nonlink]
        broader = [x for x in broader if x not in nonlink and x not in gold]
        nonlink += [ID + x for x in NONLINKABLE_NIL.get(r["id"], [])]
        nonlink += d.get("nonlinkable", [])
        nonlink = dedupe(nonlink)
        reasons = []
        merged = [x for x in old_gold + old_broader if x in MERGED]
        if merged:
            reasons.append(
                "hygiene merged "
                + ", ".join(
                    f"{x.replace(ID, '')} into {MERGED[x].replace(ID, '')}" for x in dedupe(merged)
                )
            )
        for _fld, olds, what in (
            ("gold", old_gold, "moved to gold_nonlinkable"),
            ("broader", old_broader, "dropped from acceptable_broader"),
        ):
            dropped = [x for x in olds if x in nodes and not nodes[x]["linkable"]]
            if dropped:
                reasons.append(
                    f"non-linkable now, {what}: "
                    + ", ".join(
                        f"'{nodes[x]['label']}' (under '{root(nodes[x])}')" for x in dropped
                    )
                )
        if d.get("why"):
            reasons.append(d["why"])
        chg = direction(old_gold, gold)
        note = r["note"]
        if reasons and (
            chg in ("NIL->node", "node->NIL") or detail(old_gold, gold) == "different node"
        ):
            note = (
                "; ".join(reasons)
                + f" [re-judged {DATE} against KG v{info['version']}; earlier note: {note}]"
            )
        elif reasons:
            note = f"{note} | re-judged {DATE} (KG v{info['version']}): " + "; ".join(reasons)
        r.update(gold=gold, acceptable_broader=broader, note=note)
        r["gold_nonlinkable"] = nonlink
        r["rejudged"] = DATE
        r["kg_version"] = info["version"]
        r["kg_hash"] = info["hash"]
        r["change"] = chg if chg != "node->other node" else f"{chg} ({detail(old_gold, gold)})"
        if chg != "unchanged" or broader != old_broader:
            r["old_gold"] = old_gold
            r["old_acceptable_broader"] = old_broader
        out.append(r)
    return out


def check(paths: list[Path], nodes: dict[str, dict]) -> int:
    bad = 0
    for p in paths:
        for n, r in enumerate(map(json.loads, p.read_text(encoding="utf-8").splitlines()), 1):
            assert r["query"][r["start"] : r["end"]] == r["mention"], (p, n)
            for fld in ("gold", "acceptable_broader", "gold_nonlinkable"):
                for x in r.get(fld, []):
                    if x not in nodes:
                        print(f"{p.name}:{n} {r['id']} {fld}: {x} not in the KG")
                        bad += 1
                    elif fld != "gold_nonlinkable" and not nodes[x]["linkable"]:
                        print(f"{p.name}:{n} {r['id']} {fld}: {x} is not linkable")
                        bad += 1
                    elif fld == "gold_nonlinkable" and nodes[x]["linkable"]:
                        print(f"{p.name}:{n} {r['id']} {fld}: {x} is linkable")
                        bad += 1
            if set(r["gold"]) & set(r["acceptable_broader"]):
                print(f"{p.name}:{n} {r['id']}: an IRI both gold and broader")
                bad += 1
    print(f"check: {bad} problem(s)")
    return bad


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--kg", required=True)
    ap.add_argument("--check", action="store_true", help="only check the gold files")
    a = ap.parse_args(argv)
    nodes = load_nodes(a.kg)
    paths = [EVAL / f for f in FILES]
    if a.check:
        return 1 if check(paths, nodes) else 0
    sys.path.insert(0, str(ROOT))
    from kg import ProductGraph

    g = ProductGraph.open(a.kg, read_only=True)
    info = {"version": g.version, "hash": g.canonical_hash()}
    g.close()
    ids = set()
    table: dict[tuple[str, str, str], int] = collections.Counter()
    for p in paths:
        old = subprocess.run(
            ["git", "show", f"{BASE_COMMIT}:data/eval/{p.name}"],
            cwd=ROOT,
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        rows = [json.loads(x) for x in old.splitlines() if x.strip()]
        ids |= {r["id"] for r in rows}
        new = rejudge(rows, nodes, info)
        atomic_write_text(p, "".join(json.dumps(r, ensure_ascii=False) + "\n" for r in new))
        for r in new:
            table[(p.stem, r["label"], r["change"])] += 1
    missing = (set(DECISIONS) | set(NONLINKABLE_NIL)) - ids
    assert not missing, f"decisions for unknown ids: {missing}"
    for k, v in sorted(table.items()):
        print(*k, v, sep="\t")
    return 1 if check(paths, nodes) else 0


if __name__ == "__main__":
    sys.exit(main())
