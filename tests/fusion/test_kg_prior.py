"""The KG's prior (``FusionConfig.kg_prior_weight``): a query that links no labelled category
but a brand (or product type) gets the labels of the categories the KG sells it in blended into
its intent; queries that link a category keep the model's intent; one intent whatever the
batch; saved with the model."""

from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from fusion import FusionConfig, FusionModel, LinkedEntity
from fusion.errors import FusionConfigError

from .conftest import random_input

OTTERBOX = LinkedEntity("https://kgqp.dev/id/brand/otterbox", "brand", 0.9)
TVS = LinkedEntity("https://kgqp.dev/id/category/bb/tvs", "category", 0.9)
CASES = "Cell Phones > Cell Phone Accessories"


def test_a_brand_alone_gets_the_labels_it_is_sold_in(trained, kg, tmp_path) -> None:
    brand = random_input(1, (OTTERBOX,))
    category = random_input(2, (TVS,))
    plain = trained.predict_batch([brand, category])
    trained.config = replace(trained.config, kg_prior_weight=0.5)
    blended = trained.predict_batch([brand, category])
    # OtterBox sells only in Cell Phone Cases: its prior is all on that label
    was = dict(plain[0].top_k).get(CASES, 0.0)
    assert blended[0].category == CASES
    assert blended[0].score == pytest.approx(0.5 * was + 0.5, abs=1e-6)
    # a query that links a labelled category is left to the model
    assert blended[1].top_k == plain[1].top_k
    # the served path: alone and in a batch the same intent, as predict_batch gives it
    text = np.stack([x.text_embedding.numpy() for x in (brand, category)])
    served = trained.predict_arrays(text, [(OTTERBOX,), (TVS,)])
    assert [i.top_k for i in served] == [trained.predict_arrays(text[i:i + 1], [links])[0].top_k
                                         for i, links in enumerate([(OTTERBOX,), (TVS,)])]
    assert [i.category for i in served] == [i.category for i in blended]
    assert served[0].score == pytest.approx(blended[0].score, abs=1e-6)
    trained.save_pretrained(tmp_path / "m")
    back = FusionModel.from_pretrained(tmp_path / "m", kg=kg)
    assert back.config.kg_prior_weight == 0.5
    assert back.predict_batch([brand])[0].top_k == trained.predict_batch([brand])[0].top_k


def test_the_weight_is_checked_and_exported_heads_need_the_links(trained) -> None:
    for bad in (-0.1, 1.0):
        with pytest.raises(FusionConfigError, match="kg_prior_weight"):
            FusionConfig(kg_prior_weight=bad)
    assert FusionConfig.from_dict({"text_dim": 8}).kg_prior_weight == 0.0  # saved before it
    trained.config = replace(trained.config, kg_prior_weight=0.5)
    logits = np.zeros((1, len(trained.labels)))
    with pytest.raises(FusionConfigError, match="linked entities"):
        trained.intents_from_logits(logits, np.zeros((1, trained.config.text_dim), np.float32))
    got = trained.intents_from_logits(logits, np.zeros((1, trained.config.text_dim), np.float32),
                                      [(OTTERBOX,)])
    assert got[0].category == CASES
