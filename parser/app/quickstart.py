"""The default bundle, built offline from the project's ``data/`` (README command 1).

:func:`ensure_default_bundle` builds whatever is missing, each step resumable:

1. the default KG (``kg.build.build_default``: Best Buy, Google taxonomy, Flipkart);
2. the tagger: the bottom layers of the default BERT backbone with a CRF output layer,
   fine-tuned on QueryNER (``data/queryner``) with KG lexicon features
   (:data:`QUICKSTART_LEXICON`: matches of the default KG; the gazetteers mined from the
   QueryNER training annotations seen cross-fold, :func:`parser.tagger.training.train_with_kg`)
   and distilled from shipped teacher probabilities (:data:`QUICKSTART_SOFT_TARGETS`),
   selected on its validation split, exported to ONNX INT8;
3. the fusion model: trained on the Best Buy query suggestions (``data/bestbuy``) with the KG;
4. the bundle that ties them together.

Example:
    >>> EXAMPLE_QUERIES[0]
    'samsung 55 inch tv'
"""

from __future__ import annotations

import logging
import os
from pathlib import Path

from kg.build import DEFAULT_DATA_DIR

logger = logging.getLogger(__name__)

__all__ = [
    "EXAMPLE_QUERIES",
    "QUICKSTART_LEXICON",
    "QUICKSTART_LEXICON_FOLDS",
    "QUICKSTART_SOFT_TARGETS",
    "QUICKSTART_TAGGER_CRF",
    "QUICKSTART_TAGGER_EPOCHS",
    "QUICKSTART_TAGGER_LAYERS",
    "default_home",
    "ensure_default_bundle",
]

#: Encoder layers of the default bundle's tagger: the bottom 4 of MiniLM-L6's 6, the most
#: accurate depth whose full parse stays within half the time of the HF token-classification
#: pipeline on the 6-layer MiniLM. Served INT8 with the KG lexicon,
#: QueryNER validation F1 over seeds 0-2: 2 layers 0.640, 3 layers 0.663, 4 layers 0.671;
#: full parse / 6-layer HF pipeline p50 0.26 / 0.27 / 0.28 (6 layers 0.38, one run in six above
#: 0.5). See docs/benchmarks.md, "The served depth". ``kgqp tagger train`` keeps the whole
#: backbone by default; ``--num-layers`` picks another depth.
QUICKSTART_TAGGER_LAYERS = 4

#: The quickstart tagger has a CRF output layer (learned label transitions, decoded by the same
#: constrained Viterbi as the softmax head; no cost at parse time): +0.8 QueryNER validation F1
#: over 3 seeds, and with the distillation of :data:`QUICKSTART_SOFT_TARGETS` 0.684 in all
#: (+0.45 more). See docs/benchmarks.md, "A CRF output layer".
QUICKSTART_TAGGER_CRF = True

#: Tagger epochs of the quickstart (the learning rate decays over them; training stops after 3
#: epochs without a validation gain): 10 gave the distilled CRF tagger QueryNER validation F1
#: 0.688 served INT8 against 0.684 with 6, every seed ahead (docs/benchmarks.md, "A longer
#: schedule"); about 2 minutes more of README command 1 on a 2-core CPU (10 min 36 s in all).
QUICKSTART_TAGGER_EPOCHS = 10

#: The quickstart tagger reads KG lexicon features (the default KG covers QueryNER's Amazon
#: brands, product types and attribute values; see data/README.md). With 4 layers they add 1.3
#: points of QueryNER validation F1, every seed ahead (docs/benchmarks.md).
QUICKSTART_LEXICON = True

#: The quickstart tagger is distilled from the teachers' probabilities shipped in this file
#: under ``data/`` (an ensemble of three 6-layer taggers trained with the same lexicon; made by
#: ``kgqp tagger soft-targets``, see data/README.md): the teachers need not be trained. Without
#: the file the tagger is trained on the gold labels alone.
QUICKSTART_SOFT_TARGETS = "queryner/soft_targets.safetensors"

#: Folds of the cross-fold lexicon: a training query of fold k sees the gazetteers mined from
#: the other folds only, never its own spans.
QUICKSTART_LEXICON_FOLDS = 5

EXAMPLE_QUERIES = [
    "samsung 55 inch tv",
    "apple iphone 12 case",
    "red nike running shoes for men",
    "sony noise cancelling headphones",
    "wooden coffee table",
    "laptop under 500",
]


def default_home() -> Path:
    """Where the default KG and bundle live: ``$KGQP_HOME``, else ``~/.cache/kgqp``."""
    return Path(os.environ.get("KGQP_HOME", Path.home() / ".cache" / "kgqp"))


def _tagger_ready(path: Path) -> bool:
    return (path / "config.json").is_file() and (path / "model.safetensors").is_file() \
        and (path / "kgqp.json").is_file()


def _has_embedding_export(path: Path) -> bool:
    from parser.tagger import Tagger

    try:  # (tags nothing: no warning that a lexicon tagger is loaded without its KG)
        return Tagger.from_pretrained(path, backend="onnx", tags=False).has_embeddings
    except Exception:  # missing or unreadable export: export again
        return False


def _train_with_lexicon(config, kg_dir: Path, data_dir: Path) -> None:
    """Train with the default KG's lexicon; the KG built without the mined gazetteers
    (``kg.build.build_base``, in memory) tells which matches a training query sees whole.
    Distilled from :data:`QUICKSTART_SOFT_TARGETS` when ``data_dir`` has it."""
    from kg import ProductGraph
    from kg.build import build_base
    from parser.tagger.lexicon import kg_pairs
    from parser.tagger.training import train_with_kg

    base = build_base(data_dir=data_dir)
    try:
        pairs = kg_pairs(base)
    finally:
        base.close()
    targets = data_dir / QUICKSTART_SOFT_TARGETS
    with ProductGraph.open(kg_dir, read_only=True) as graph:
        if targets.is_file():
            from parser.tagger.distill import DistillConfig, distill_with_kg

            logger.info("distilling from the teachers' probabilities in %s", targets)
            distill_with_kg(config, DistillConfig(targets_path=targets), graph, base=pairs,
                            folds=QUICKSTART_LEXICON_FOLDS)
        else:
            train_with_kg(config, graph, base=pairs, folds=QUICKSTART_LEXICON_FOLDS)


def _warn_if_another_homes_kg(bundle: Path, kg_dir: Path) -> None:
    """Warn when the home's bundle names another KG than the home's own by its absolute path:
    a home copied (``cp -r ~/.cache/kgqp /tmp/x``) from one built before bundles recorded a
    KG beside them as ``../kg`` reads, and ``kgqp serve`` writes, the original's KG."""
    from parser.bundle import BundleManifest

    try:
        manifest = BundleManifest.read(bundle)
    except Exception:  # (loading reports a broken bundle)
        return
    named = manifest.kg_at(bundle)
    if manifest.kg_mode == "location" and isinstance(named, Path) \
            and (kg_dir / "store").is_dir() and named.resolve() != kg_dir.resolve():
        logger.warning(
            "the bundle %s reads the KG %s, not this home's %s (a copied home?): rebuild it "
            "with `kgqp quickstart --force` (it then names ../kg) or set kg_path to \"../kg\" "
            "in %s", bundle, named, kg_dir, bundle / "kgqp-bundle.json")


def ensure_default_bundle(home: Path | None = None, *, data_dir: Path = DEFAULT_DATA_DIR,
                          tagger_epochs: int | None = None, fusion_epochs: int | None = None,
                          force: bool = False) -> Path:
    """Build the default bundle under ``home`` if it is missing; returns the bundle path.

    Args:
        home: working directory (default :func:`default_home`).
        data_dir: the project's ``data/``.
        tagger_epochs: tagger training epochs (default :data:`QUICKSTART_TAGGER_EPOCHS`).
        fusion_epochs: fusion training epochs (default: ``TrainConfig.epochs``).
        force: rebuild the bundle (trained parts that exist are reused; delete them to retrain).
    """
    from parser.bundle import MANIFEST, build_bundle

    home = Path(home) if home is not None else default_home()
    home.mkdir(parents=True, exist_ok=True)
    bundle = home / "bundle"
    if (bundle / MANIFEST).is_file() and not force:
        _warn_if_another_homes_kg(bundle, home / "kg")
        return bundle
    kg_dir, tagger_dir, fusion_dir = home / "kg", home / "tagger", home / "fusion"

    # 1. KG
    from kg.build import build_default

    logger.info("step 1/4: default KG at %s", kg_dir)
    build_default(kg_dir, data_dir=data_dir).close()

    # 2. tagger
    if not _tagger_ready(tagger_dir):
        from parser.tagger import TrainConfig, export_onnx, train

        logger.info("step 2/4: fine-tuning the tagger on QueryNER (resumable)")
        config = TrainConfig(train_path=data_dir / "queryner" / "train.conll",
                             dev_path=data_dir / "queryner" / "validation.conll",
                             # an interrupted run continues from its checkpoint
                             out_dir=tagger_dir,
                             resume=(tagger_dir / "checkpoint" / "trainer_state.json").is_file(),
                             num_layers=QUICKSTART_TAGGER_LAYERS, crf=QUICKSTART_TAGGER_CRF,
                             epochs=tagger_epochs or QUICKSTART_TAGGER_EPOCHS)
        if QUICKSTART_LEXICON:
            _train_with_lexicon(config, kg_dir, data_dir)
        else:
            train(config)
        export_onnx(tagger_dir, int8=True)
    elif not _has_embedding_export(tagger_dir):
        from parser.tagger import export_onnx

        export_onnx(tagger_dir, int8=True)

    # 3. fusion
    if not (fusion_dir / "model.safetensors").is_file():
        logger.info("step 3/4: training the fusion intent model on Best Buy queries")
        from fusion.train import TrainConfig, train_from_files
        from kg import ProductGraph
        from parser.pipeline import QueryParser

        train_config = TrainConfig(epochs=fusion_epochs) if fusion_epochs else None
        with ProductGraph.open(kg_dir, read_only=True) as graph:
            # trained on the inputs it is served: the tagger's (ONNX) embeddings and the
            # linker's nodes for the tagger's spans
            # on train alone, dev reporting: training on dev too gave no measurable gain
            # (docs/benchmarks.md, Fusion, "Training on more of the queries")
            _, scores = train_from_files(
                graph, data_dir / "bestbuy" / "queries_train.jsonl",
                data_dir / "bestbuy" / "queries_dev.jsonl", fusion_dir,
                featurizer=QueryParser.featurizer(tagger_dir, graph),
                train_config=train_config, cache_dir=home / "fusion-cache",
            )
        logger.info("fusion dev scores: %s", scores)

    # 4. bundle
    logger.info("step 4/4: bundle at %s", bundle)
    rules = data_dir / "rules.txt"
    build_bundle(bundle, tagger=tagger_dir, kg=kg_dir, fusion=fusion_dir,
                 rules=rules if rules.is_file() else None, kg_mode="location", force=True)
    return bundle
