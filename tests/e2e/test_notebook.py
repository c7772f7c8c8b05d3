"""notebooks/entity_links.ipynb runs headless (nbclient) on a tiny bundle and draws its plots.

The bundle: the random tiny BERT tagger (``tiny_tagger().save``) and a small KG built by the real
loaders from ``data/`` (Best Buy categories, Flipkart brands, colours). 30 queries per shipped
sample, and a 1,000-line query log (real Best Buy query suggestions, one per line, repeats
counted) parsed whole; every table is exported to CSV.
The execution test is marked slow (run it with ``-m slow``; .ci/run does).
"""

from __future__ import annotations

import csv
import json
import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK = ROOT / "notebooks" / "entity_links.ipynb"
DATA = ROOT / "data"


@pytest.fixture(scope="module")
def small_bundle(tmp_path_factory: pytest.TempPathFactory) -> Path:
    import torch

    from kg import ProductGraph
    from kg.loaders import load_sources
    from parser.bundle import build_bundle
    from parser.tagger.testing import tiny_tagger

    torch.set_num_threads(1)
    root = tmp_path_factory.mktemp("nb-bundle")
    tiny_tagger().save(root / "tagger")
    with ProductGraph.open(root / "kg") as g:
        load_sources(g, [DATA / "bestbuy" / "categories.json.gz"], kind="bestbuy-categories",
                     progress=False)
        load_sources(g, [DATA / "flipkart" / "brands.txt"], kind="gazetteer",
                     options={"node_kind": "brand", "source": "flipkart"}, progress=False)
        load_sources(g, [DATA / "attributes" / "colors.txt"], kind="gazetteer",
                     options={"node_kind": "attribute_value", "attribute": "color"},
                     progress=False)
    return build_bundle(root / "bundle", tagger=root / "tagger", kg=root / "kg",
                        parser_config={"expand": False})


def test_notebook_is_committed_without_outputs() -> None:
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    for cell in nb["cells"]:
        if cell["cell_type"] == "code":
            assert cell["outputs"] == [] and cell["execution_count"] is None


def test_notebook_names_the_kg_it_reads_and_its_commands_load_into() -> None:
    """A copied home's bundle names the original's KG (kg_mode location, an absolute path):
    the notebook read that KG and printed `kgqp kg load ORIGINAL ...` (``kg.path``) even
    with KGQP_HOME pointing at the copy. It names one KG, ``KG``, printed in its first cell,
    reads it and loads into it only."""
    nb = json.loads(NOTEBOOK.read_text(encoding="utf-8"))
    code = ["".join(c["source"]) for c in nb["cells"] if c["cell_type"] == "code"]
    assert "KG = A.kg_from_env(BUNDLE)" in code[0] and "KG.source" in code[0].split("\n{")[-1]
    every = "\n".join(code)
    assert "kg = KG.open()" in every and "QueryParser.from_pretrained(BUNDLE, kg=kg)" in every
    assert "kg_dir=str(KG)" in every and "kg.path" not in every
    assert "QueryParser.from_pretrained(BUNDLE)" not in every  # (the bundle's own KG)


@pytest.mark.slow  # a fresh kernel imports torch + transformers: 30-55 s on 2 shared cores
def test_notebook_runs_and_plots(small_bundle: Path, tmp_path: Path,
                                 monkeypatch: pytest.MonkeyPatch) -> None:
    import nbformat
    from nbclient import NotebookClient

    monkeypatch.setenv("KGQP_BUNDLE", str(small_bundle))
    monkeypatch.setenv("KGQP_NB_SAMPLE", "30")
    monkeypatch.setenv("KGQP_NB_OUT", str(tmp_path / "additions"))
    monkeypatch.setenv("KGQP_NB_FIGDIR", str(tmp_path / "fig"))
    monkeypatch.setenv("KGQP_HOME", str(tmp_path / "home"))
    monkeypatch.setenv("KGQP_NB_THREADS", "1")
    log = tmp_path / "log.txt"
    queries = [json.loads(line)["query"] for line in
               (DATA / "bestbuy" / "queries_train.jsonl").read_text("utf-8").splitlines()]
    log.write_text("".join(q + "\n" for q in (queries[:800] + queries[:200])), "utf-8")
    assert len(log.read_text("utf-8").splitlines()) == 1000
    monkeypatch.setenv("KGQP_NB_LOG", str(log))
    monkeypatch.setenv("KGQP_NB_CSV", str(tmp_path / "csv"))
    # the kernel imports the kgqp of this source tree, not whichever is installed
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(
        [str(ROOT), *filter(None, [os.environ.get("PYTHONPATH")])]))
    monkeypatch.setenv("MPLBACKEND", "module://matplotlib_inline.backend_inline")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    # raises CellExecutionError (with the cell and traceback) on any cell error
    NotebookClient(nb, timeout=300, kernel_name="python3",
                   resources={"metadata": {"path": str(tmp_path)}}).execute()

    outputs = [o for c in nb.cells if c.cell_type == "code" for o in c.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    images = [o for o in outputs if "image/png" in o.get("data", {})]
    assert len(images) >= 4  # ambiguity bars, confusion heatmap, score histograms, subgraph
    assert (tmp_path / "fig" / "link_scores.png").stat().st_size > 10_000
    text = "\n".join(str(o.get("data", {}).get("text/markdown", "")) for o in outputs)
    assert "| label | mentions |" in text  # the coverage tables
    assert "kgqp kg load" in text and "--kind gazetteer" in text
    written = list((tmp_path / "additions").glob("*.txt"))
    assert written and all(p.read_text(encoding="utf-8").strip() for p in written)
    csvs = {p.stem: p for p in (tmp_path / "csv").glob("*.csv")}
    assert {"coverage_log", "coverage_queryner", "coverage_bestbuy", "ambiguity", "nil_mentions",
            "type_confusions", "kg_additions", "kg_changes", "query_spans", "query_candidates",
            "query_intent", "query_expansions"} <= set(csvs)
    with open(csvs["coverage_log"], encoding="utf-8", newline="") as fh:
        log_cov = {row["label"]: row for row in csv.DictReader(fh)}
    assert int(log_cov["(all)"]["mentions"]) > 0
    # the additions, loaded into a copy of the KG, now link: the comparison shows NIL -> node
    with open(csvs["kg_changes"], encoding="utf-8", newline="") as fh:
        changes = list(csv.DictReader(fh))
    assert any(c["what"] == "link" and c["before"].endswith("NIL") for c in changes)
    with open(csvs["query_candidates"], encoding="utf-8", newline="") as fh:
        header = next(csv.reader(fh))
    assert {"similarity", "type_compatibility", "prior", "context", "chosen"} <= set(header)
