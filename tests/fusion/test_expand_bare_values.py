"""A category's common attribute values are expansion terms, but not the bare answers ("Yes",
"No") of Flipkart attributes: as a search engine's should clause such a word matches any
text that holds it (4 -> 13 parses of QueryNER validation and train had them after new links
to Flipkart nodes)."""

from __future__ import annotations

from fusion.expand import expand
from kg import Edge, Node, NodeKind, Relation

from .catalog_kg import cat_iri, catalog_kg, category_link, category_records

CATS = {"bags": ("bags", "bags wallets belts > bags", None)}


def _kg():
    recs = category_records(CATS, source="fk")
    for i in range(3):
        prod = Node(NodeKind.PRODUCT, f"fk/bag-{i}", f"Backpack {i}")
        recs += [prod, Edge(prod.iri, Relation.IN_CATEGORY, cat_iri("bags", "fk"))]
        for key, attribute, label in (("other/yes", "other", "Yes"),
                                      ("color/black", "color", "Black")):
            value = Node(NodeKind.ATTRIBUTE_VALUE, key, label, attribute=attribute)
            recs += [value, Edge(prod.iri, Relation.HAS_VALUE, value.iri)]
    return catalog_kg(recs)


def test_a_bare_answer_is_no_expansion_and_a_real_value_is():
    kg = _kg()
    res = expand(kg, [category_link(cat_iri("bags", "fk"), "bags")], query="bags")
    terms = {e.term for e in res if e.kind == "attribute_value"}
    assert "Yes" not in terms
    # (nor, since 2026-12-06, a colour of the category's products the query does not name)
    assert "Black" not in terms
