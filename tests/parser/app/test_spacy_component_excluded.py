"""The spaCy component rebuilds ``ParsedQuery.excluded`` (the words a negation cue excludes)
from ``doc._.kgqp_data`` as typed results, after DocBin's msgpack too, which returns every
list as a tuple."""

from __future__ import annotations

from dataclasses import asdict

import spacy
from spacy.tokens import DocBin

from parser.app.spacy_component import parsed_from_data
from parser.types import ExcludedResult, ParsedQuery

SAMSUNG = "https://kgqp.dev/id/brand/samsung"


def test_excluded_words_survive_docbin() -> None:
    parsed = ParsedQuery(text="tv not 4k or samsung", normalized="tv not 4k or samsung",
                         excluded=[ExcludedResult("4k", 7, 9),
                                   ExcludedResult("samsung", 13, 20, SAMSUNG)])
    assert parsed_from_data(asdict(parsed)) == parsed
    nlp = spacy.blank("en")
    doc = nlp.make_doc(parsed.text)
    doc._.kgqp_data = asdict(parsed)
    back = next(DocBin(docs=[doc], store_user_data=True).get_docs(nlp.vocab))
    assert back._.kgqp == parsed
    assert all(isinstance(x, ExcludedResult) for x in back._.kgqp.excluded)


def test_data_without_excluded_words_reads_as_none() -> None:
    # (data a parse of an older version stored: no "excluded" key)
    data = asdict(ParsedQuery(text="tv", normalized="tv"))
    del data["excluded"]
    assert parsed_from_data(data).excluded == []
