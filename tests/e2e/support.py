"""Helpers of the e2e tests: a small real-ish product KG (a dozen nodes: brands, categories,
colours) and a free TCP port."""

from __future__ import annotations

import contextlib
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from kg.schema import Edge, Node, NodeKind, Relation, attribute_key, brand_key

REPO = Path(__file__).resolve().parents[2]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def records() -> list[Any]:
    def brand(name: str, *aliases: str, pop: float = 1.0) -> Node:
        return Node(NodeKind.BRAND, brand_key(name), name, aliases=aliases, popularity=pop)

    def cat(key: str, label: str, *aliases: str, path: str) -> Node:
        return Node(NodeKind.CATEGORY, f"test/{key}", label, aliases=aliases, path=path)

    def colour(name: str) -> Node:
        return Node(NodeKind.ATTRIBUTE_VALUE, attribute_key("color", name), name.title(),
                    aliases=(name,), attribute="color")

    electronics = cat("electronics", "Electronics", path="Electronics")
    tvs = cat("tvs", "TVs", "tv", "television", path="Electronics > TVs")
    laptops = cat("laptops", "Laptops", "laptop", "notebook", path="Electronics > Laptops")
    headphones = cat("headphones", "Headphones", "headphones", path="Electronics > Headphones")
    shoes = cat("shoes", "Shoes", "shoes", "sneakers", path="Clothing > Shoes")
    samsung, apple, sony = brand("Samsung", pop=5), brand("Apple", pop=6), brand("Sony", pop=4)
    nike, lg, dell = brand("Nike", pop=5), brand("LG", pop=3), brand("Dell", "dell computers")
    red, blue, black = colour("red"), colour("blue"), colour("black")
    edges = [
        Edge(tvs.iri, Relation.PARENT, electronics.iri),
        Edge(laptops.iri, Relation.PARENT, electronics.iri),
        Edge(headphones.iri, Relation.PARENT, electronics.iri),
        Edge(samsung.iri, Relation.SELLS_IN, tvs.iri),
        Edge(lg.iri, Relation.SELLS_IN, tvs.iri),
        Edge(sony.iri, Relation.SELLS_IN, headphones.iri),
        Edge(dell.iri, Relation.SELLS_IN, laptops.iri),
        Edge(apple.iri, Relation.SELLS_IN, laptops.iri),
        Edge(nike.iri, Relation.SELLS_IN, shoes.iri),
    ]
    return [electronics, tvs, laptops, headphones, shoes, samsung, apple, sony, nike, lg, dell,
            red, blue, black, *edges]


def build_kg(path: Path) -> Path:
    """Write the KG to ``path`` (a KG directory) and close it."""
    from kg import ProductGraph

    with ProductGraph.open(path) as g:
        g.add_records(records(), progress=False)
    return path


#: Every bad input of docs/reliability.md (the invalid UTF-8 bytes are tested at the byte level
#: where bytes exist: HTTP bodies and CLI arguments).
BAD_INPUTS: dict[str, str] = {
    "empty": "",
    "whitespace": " \t\n\u3000 ",
    "nul_control": "sams\x00ung\x01 tv\x7f\x84\x9f",
    "rtl_override": "\u202esamsung tv\u202c",
    "lone_surrogate": "samsung \ud800 tv",
    "fullwidth": "ｉｐｈｏｎｅ ｃａｓｅ",
    "ligature": "ﬁtness shoes",
    "combining": "cafe\u0301 a\u0301pple tv",
    "cyrillic_lookalike": "ѕаmѕung tv",  # Cyrillic s, a
    "emoji_5000": "😀" * 5000,
    "a_100k": "a" * 100_000,
    "dash_50k": "-" * 50_000,
    "mixed_zh_en": "三星 samsung 55寸 电视 tv 红色",
    "private_use": "apple \uf880 watch",
    "bidi_mix": "sony \u200f\u200e tv \ufeff",
}


@dataclass
class LiveServer:
    url: str
    app: Any
    parser: Any
    server: Any
    thread: threading.Thread

    def stop(self) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=15)


def start_server(parser: Any, limits: Any = None) -> LiveServer:
    """Run ``parser.app.service.create_app(parser)`` under a real uvicorn server in a thread."""
    import uvicorn

    from parser.app.service import create_app

    app = create_app(parser, limits=limits)
    port = free_port()
    config = uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning",
                            access_log=False, timeout_graceful_shutdown=5)
    server = uvicorn.Server(config)
    thread = threading.Thread(target=server.run, name=f"uvicorn-{port}", daemon=True)
    thread.start()
    deadline = time.time() + 20
    while not server.started:
        if time.time() > deadline or not thread.is_alive():
            raise RuntimeError("uvicorn did not start")
        time.sleep(0.02)
    return LiveServer(f"http://127.0.0.1:{port}", app, parser, server, thread)


@contextlib.contextmanager
def served_copy(kg_dir: Path, folder: Path, make_parser: Callable[[Any], Any],
                limits: Any = None) -> Iterator[LiveServer]:
    """A live server on a private copy of the KG in ``kg_dir`` (copied to ``folder / "kg"``,
    opened writable): ``make_parser(graph)`` gives its parser. Stopped, and the KG closed,
    after the block."""
    import shutil

    from kg import ProductGraph

    path = folder / "kg"
    shutil.copytree(kg_dir, path)
    graph = ProductGraph.open(path)
    srv = start_server(make_parser(graph), limits)
    try:
        yield srv
    finally:
        srv.stop()
        with contextlib.suppress(Exception):
            graph.close()


def bestbuy_jsonl(path: Path, rows: list[tuple[str, str]]) -> Path:
    """Write ``(query, "lvl0 > lvl1")`` rows as Best Buy query-suggestion JSONL."""
    import json

    with path.open("w", encoding="utf-8") as fh:
        for q, lvl1 in rows:
            facets = {"hierarchicalCategories.lvl0": [{"value": lvl1.split(" > ")[0], "count": 3}],
                      "hierarchicalCategories.lvl1": [{"value": lvl1, "count": 3}]}
            fh.write(json.dumps({"query": q, "instant_search": {"facets": {
                "exact_matches": facets}}}) + "\n")
    return path


def train_small_fusion(tmp: Path, tagger_dir: Path, kg_dir: Path,
                       queries: list[tuple[str, str]],
                       memory_weight: float = 0.0) -> tuple[Path, Path]:
    """A small fusion model trained, as served, on ``queries`` with the tagger in
    ``tagger_dir`` and a private copy of the KG (with the query memory at ``memory_weight``);
    returns ``(fusion dir, kg dir)``."""
    import shutil

    from fusion import FusionConfig, TrainConfig
    from fusion.gnn import GNNConfig
    from fusion.train import train_from_files
    from kg import ProductGraph
    from parser.pipeline import QueryParser

    kg = tmp / "kg"
    shutil.copytree(kg_dir, kg)
    with ProductGraph.open(kg, read_only=True) as g:
        train_from_files(g, bestbuy_jsonl(tmp / "train.jsonl", queries),
                         bestbuy_jsonl(tmp / "dev.jsonl", queries[::3]), tmp / "fusion",
                         featurizer=QueryParser.featurizer(tagger_dir, g),
                         config=FusionConfig(hidden_dim=16, use_label_names=True,
                                             memory_weight=memory_weight),
                         train_config=TrainConfig(epochs=30),
                         gnn_config=GNNConfig(hidden_dim=8, out_dim=8, steps=3),
                         text_encoder="hashing", cache_dir=tmp / "cache", progress=False)
    return tmp / "fusion", kg


class ParseKey:
    """What must not depend on the batch: the whole parse but its timings (entities with their
    links, the intent with its probabilities, expansions, filters ...), exactly."""

    def __init__(self, p: Any) -> None:
        d = p.to_dict() if hasattr(p, "to_dict") else dict(vars(p))
        d.pop("timings", None)
        self.entities = tuple(p.entities)  # (for counting the linked ones)
        self.rest = repr(sorted(d.items()))

    def __eq__(self, other: object) -> bool:
        return isinstance(other, ParseKey) and self.rest == other.rest

    def __repr__(self) -> str:
        return f"ParseKey({self.rest})"
