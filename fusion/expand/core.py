""":func:`expand` (the expansion of one query) and :class:`QueryExpander` (a KG, a rule set and
settings, loaded once)."""

from __future__ import annotations

import logging
import unicodedata
import weakref
from collections import Counter
from collections.abc import Callable, Collection, Sequence
from dataclasses import replace
from pathlib import Path
from typing import Any

from fusion.context import TaxonomyAlignment
from fusion.expand.accessories import (
    _FITS,
    _a_device_accessory,
    _a_kind_of,
    _a_part_named_by,
    _accessories,
    _accessory_maker,
    _accessory_reading,
    _after_with,
    _category_words,
    _fitted_devices,
    _joined,
    _makes_the_accessory,
    _model_words,
    _named_ancestor,
    _names_a_device_it_fits,
    _names_it,
    _names_the_device,
    _path_up,
    _plain_word,
    _typed_accessory,
    _unit_fits,
    _word_categories,
)
from fusion.expand.colours import (
    _COLOUR_LABELS,
    _a_consumable_colour,
    _a_fuel,
    _a_media_title,
    _a_scent_or_flavour,
    _a_spec_colour,
    _care_category,
    _colour_held,
    _combined_colours,
    _food_category,
    _in_a_name,
    _names_a_colour,
    _opens_an_unknown_brand,
)
from fusion.expand.config import _CATEGORY_KINDS, ExpansionConfig, Thresholds
from fusion.expand.departments import (
    _a_namesake_beside,
    _an_origin,
    _audiences,
    _below,
    _both_sides,
    _branches,
    _category_filter,
    _compared_to,
    _department_names,
    _fits_elsewhere,
    _headed_elsewhere,
    _holds_the_searched,
    _holds_toys,
    _label_trees,
    _name_audiences,
    _named_elsewhere,
    _names_a_part,
    _names_a_thing_beside,
    _names_another_audience,
    _narrows_audience,
    _remembered,
    _taxonomy,
    _toy_version,
    _unknown_to,
)
from fusion.expand.depth import filter_depth, relocated
from fusion.expand.exclusions import (
    _brand_role,
    _comparison_owners,
    _excluded_texts,
    _exclusions,
    _family_owners,
    _non_brand,
    _party_cue,
    _run_words,
)
from fusion.expand.kgview import (
    _ACCESSORY,
    _DERIVED_VIEW,
    _KG,
    _KG_WIDE,
    _TREE_KINDS,
    _align,
    _all_under,
    _brand_facts,
    _Cand,
    _category_alignment,
    _department_words,
    _derived,
    _known_words,
    _own_categories,
    _term_keys,
    _update_derived,
)
from fusion.expand.negation import (
    _a_cue,
    _commas,
    _cue_free,
    _hedged,
    _joined_to_excluded,
    _negated,
    _outer,
    _read_as_brand,
    free_from_words,
)
from fusion.expand.sizes import (
    _APPAREL_PATH,
    _BED_SIZES,
    _SIZE_LABELS,
    PATTERN_HINT,
    PATTERN_NEGATED,
    _a_garment_size,
    _a_stray_letter_size,
    _size_read,
)
from fusion.expand.types import (
    Boost,
    CategorySuggestion,
    Expansion,
    ExpansionResult,
    Filters,
    FilterSource,
)
from fusion.expand.walk import (
    _a_narrower_unsaid,
    _a_word_of_a_name,
    _an_accessory_path,
    _an_unsaid_accessory,
    _another_generation,
    _another_platform,
    _another_product_named,
    _category_walk,
    _entity_walk,
    _generations,
    _holds_the_named,
    _modifies_a_product,
    _names_the_linked,
    _platform_home,
    _platforms,
    _Similarity,
    _title_links,
)
from fusion.expand.words import (
    _ALTERNATIVES,
    _FILLERS,
    _MAX_BANNED_WORDS,
    _MINUS_CUE,
    _NEGATIONS,
    _OPENING_MARKS,
    _VALUE_NEGATIONS,
    _alternative_sides,
    _an_alternative,
    _back_over_fillers,
    _bare_number,
    _compared,
    _find_mention,
    _fold_value,
    _name_heads,
    _on_other_sides,
    _query_words,
    _value_key,
    _word_starts,
    _words,
)
from fusion.hetero import as_networkx
from fusion.patterns import ACCESSORY_WORDS as _ACCESSORY_WORDS
from fusion.patterns import BED_SIZE_PREFIXES, find_sizes, parse_price, size_hints
from fusion.rules import AppliedRule, RuleSet, RulesFile
from fusion.types import SEP, Intent, LinkedEntity
from kg.index import normalize_key
from kg.link import (
    HEAD_LABELS,
    brand_key,
    compact_key,
    compact_runs,
    fitted_name,
    grounded_brands,
    name_heads,
    outside_kg,
    word_order,
)


def _as_used(applied: Sequence[AppliedRule], expansions: Sequence[Expansion],
             boosts: Sequence[Boost], sources: Sequence[FilterSource], out_rules: set[str],
             term_key: Callable[[str], str], in_names: Collection[str] = ()
             ) -> list[AppliedRule]:
    """The applied rules as the parse used them: one whose effect is not in the result is
    marked (:attr:`AppliedRule.dropped`) ``excluded`` (``out_rules``: the query excludes its
    term or value, "laptop not dell" with "laptop => UP(20): brand:Dell"), ``merged`` (the
    result holds its value from another source: a link's filter or a stronger boost), ``in a
    name`` (``in_names``: a synonym of a word of a longer KG name the query says, "tv" of "fire
    tv stick"), or ``dropped`` (the expansion limit). A ``DELETE`` is in ``rewritten``."""
    used = ({x.rule for x in expansions} | {b.rule for b in boosts}
            | {s.source.removeprefix("rule:") for s in sources})
    names = {term_key(x.term) for x in expansions}
    boosted = {(b.direction, _value_key(b.term)) for b in boosts}
    filtered = {_value_key(s.value if s.field == "other" else f"{s.field}:{s.value}")
                for s in sources}
    out: list[AppliedRule] = []
    for a in applied:
        s = str(a)
        if a.kind == "DELETE" or s in used:
            out.append(a)
            continue
        if a.kind == "SYNONYM":
            merged = term_key(a.arg) in names
        elif a.kind == "FILTER" and not a.negated:
            merged = _value_key(a.arg) in filtered
        else:  # UP, DOWN, a negated FILTER (a DOWN)
            merged = ("UP" if a.kind == "UP" else "DOWN", _value_key(a.arg)) in boosted
        why = "excluded" if s in out_rules else "in a name" if s in in_names \
            else "merged" if merged else "dropped"
        out.append(replace(a, dropped=why))
    return out


def _one_per_value(boosts: Sequence[Boost]) -> list[Boost]:
    """One boost per direction and case-folded ``field:value`` (:func:`_value_key`): a link's
    and a rule's DOWN on Samsung ("phone not samsung" with "samsung => FILTER: brand:samsung")
    are one penalty, not two. The first's spelling (a link's: the KG's) with the strongest
    weight, and that boost's source.

    >>> _one_per_value([Boost("brand:Samsung", -10.0, "link:b (negated)"),
    ...                 Boost("brand:samsung", -10.0, "r:1: samsung => FILTER(1): brand:samsung"
    ...                       " (negated)")])
    [Boost(term='brand:Samsung', weight=-10.0, rule='link:b (negated)')]
    """
    kept: dict[tuple[str, tuple[str, str]], Boost] = {}
    for b in boosts:
        key = (b.direction, _value_key(b.term))
        first = kept.get(key)
        if first is None:
            kept[key] = b
        elif abs(b.weight) > abs(first.weight):
            kept[key] = Boost(first.term, b.weight, b.rule)
    return list(kept.values())


logger = logging.getLogger(__name__)


def _whole_kg_tables(g: Any, graph: Any, derived: Any) -> None:
    """Build, in the graph view ``g`` of the KG ``graph`` (its expansion data ``derived``), the
    tables of the whole KG that no label space changes and a parse would otherwise build the
    first time it needs them, 10-200 ms each on a 2-core machine (:data:`fusion.expand.kgview.
    _KG_WIDE`: the names a colour word opens, with every brand's sales; the category names by
    word; the platform families; the device heads of accessory categories; the products'
    categories for the filter's depth; ...). Called where a KG commit brings the views forward,
    so no parse after the commit pays for them. A table that fails is logged and left to the
    first parse that needs it; the others, the commit and the view stand."""
    g.graph["_kgqp_derived"] = derived
    kg = _KG(g, graph)
    for table in _KG_WIDE:
        try:
            table(kg)
        except Exception:  # (the parse builds it again)
            logger.warning("the expansion's KG-wide table %s was not built with the KG view",
                           table.__name__, exc_info=True)
    taxonomy = _LABEL_SPACES.get(graph)
    if taxonomy is not None:
        try:
            _label_space_tables(kg, taxonomy)
        except Exception:
            logger.warning("the expansion's tables of the intent's label space were not built "
                           "with the KG view", exc_info=True)


#: per KG (a ``kg.ProductGraph``, held weakly): the label space its expansions last read (the
#: intent's :class:`fusion.context.TaxonomyAlignment`), whose tables a commit builds in the
#: views it brings forward (:func:`_label_space_tables`)
_LABEL_SPACES: weakref.WeakKeyDictionary[Any, TaxonomyAlignment] = weakref.WeakKeyDictionary()


def _label_space_tables(kg: _KG, taxonomy: TaxonomyAlignment) -> None:
    """Build, in the graph view of ``kg``, the expansion's tables of the label space
    ``taxonomy`` that a parse would otherwise build the first time it needs them (up to 0.2 s
    together on a 2-core machine): every category's place in it (:func:`fusion.expand.kgview.
    _category_alignment`), its departments' words, the catalogues it places, its departments'
    category names and the departments of each catalogue's branches."""
    aligned = _category_alignment(kg, taxonomy)

    def dept(cat: str) -> str | None:  # (as _Expansion.dept)
        hit = aligned.get(cat)
        return (hit if hit is not None else _align(kg, taxonomy, aligned, cat))[0]

    for n, a in kg.g.nodes(data=True):
        if a.get("kind") == "category":
            dept(n)
    _department_words(kg, taxonomy, dept)
    trees = _label_trees(kg, taxonomy, dept)
    _department_names(kg, dept, trees)
    _branches(kg, dept, trees)


def _derived_with_tables(graph: Any) -> tuple[Any, Any]:
    """:func:`fusion.expand.kgview._derived`, and :func:`_whole_kg_tables` in its graph view."""
    g, derived = _derived(graph)
    _whole_kg_tables(g, graph, derived)
    return g, derived


def _update_derived_with_tables(graph: Any, old: tuple[Any, Any], changes: Any
                                ) -> tuple[Any, Any] | None:
    """:func:`fusion.expand.kgview._update_derived`, and :func:`_whole_kg_tables` in the new
    graph view."""
    new = _update_derived(graph, old, changes)
    if new is not None:
        _whole_kg_tables(new[0], graph, new[1])
    return new


class _Expansion:
    """The expansion of one query (:func:`expand`), in named steps that :func:`expand` calls in
    order. The values a step computes for later steps are attributes (``self.words``,
    ``self.facets``, ...): each step binds those it reads to locals at its top and stores
    those it sets at its end, so its statements read as they did in the one function
    :func:`expand` was. The helpers the steps share are methods (:meth:`dept`, :meth:`add`,
    :meth:`excluded`, ...), reading the attributes when called. The attributes are declared
    in ``__slots__`` (read faster than an instance dict's; a step that keeps a new value for a
    later one adds its name there).

    Steps: :meth:`__init__` (settings, graph, label space), :meth:`links_and_intent`,
    :meth:`words_and_exclusions`, :meth:`devices_and_values`, :meth:`fan_out_bounds`,
    :meth:`link_context`, :meth:`walk_links`, :meth:`link_filters`,
    :meth:`intent_category`, :meth:`apply_rules`, :meth:`sizes_and_filters`, :meth:`rank`,
    :meth:`result`.
    """

    __slots__ = (
        "about", "acc_words", "accessory_intent", "aligned", "allowed", "alt_words", "alternatives",
        "audience", "audience_judged", "brand_roles", "brand_said", "brand_spans", "brands_sold",
        "cat_links", "cfg", "commas", "compared", "depts", "embeddings", "excluded_runs",
        "excluded_words", "facets", "featured", "fits_elsewhere", "fitted", "fixed",
        "follows_device", "free_from", "g", "generations", "hard_dept", "in_names", "intent",
        "key_of", "kg",
        "limit", "lines", "link_boosts", "linked", "linked_at", "linked_cats", "linked_devices",
        "linked_product", "listed", "mix", "model", "named", "named_accessories", "namesakes",
        "negated", "negated_at", "negated_names", "new_platforms", "no_accessory", "no_cues",
        "no_device", "other", "others",
        "out_rules", "outside", "p0", "p1", "part_named", "party", "places", "platforms", "plats",
        "pop", "price_max", "price_min", "product_depts", "product_heads", "products_at", "query",
        "query_words", "ranked", "read_at", "read_out", "rewritten", "rule_boosts", "rule_res",
        "rules", "scored", "searched", "searched_for", "searched_platform", "searched_spans", "sim",
        "spans", "store_trees", "suggestions", "sure", "taxonomy", "term_key", "text", "th",
        "toy_at", "toy_dept", "unit_fits", "unknown_brand_at", "unknown_brands", "unlinkable",
        "versus", "vs_words", "words",
    )

    def __init__(
        self, kg: Any, linked: Sequence[LinkedEntity], intent: Intent | None, *, query: str,
        rules: RuleSet | RulesFile | None, config: ExpansionConfig | None,
        thresholds: Thresholds | None, embeddings: Any,
        departments: Collection[str] | TaxonomyAlignment | None, limit: int | None,
        outside: bool | None, no_cues: Collection[tuple[int, int]],
        unknown_brands: Collection[tuple[int, int]],
    ) -> None:
        """The settings, the graph (with the derived data a KG commit computed), the label
        space and the categories' alignment to it (:meth:`align`)."""
        cfg = config or ExpansionConfig()
        th = thresholds or Thresholds()
        g = _KG(as_networkx(kg), kg)
        view = getattr(kg, "view", None)
        if callable(view):  # the derived data is computed by each KG commit, not by a parse
            graph, derived = view(_DERIVED_VIEW, _derived_with_tables,
                                  update=_update_derived_with_tables)
            if graph is g.g:  # (a commit in another thread may have swapped the views meanwhile)
                g.g.graph["_kgqp_derived"] = derived
        unlinkable = g.unlinkable
        taxonomy = departments if isinstance(departments, TaxonomyAlignment) \
            or departments is None else TaxonomyAlignment((), tuple(departments))
        if callable(view) and isinstance(departments, TaxonomyAlignment) \
                and _LABEL_SPACES.get(kg) is not departments:
            _LABEL_SPACES[kg] = departments  # (a commit builds its tables: _whole_kg_tables)
        depts = taxonomy.departments if taxonomy is not None else None

        # per category: (department in the intent's label space, or the tree's top level without
        # one; its lvl1 label), memoised with the graph view for this label space
        aligned = _category_alignment(g, taxonomy)
        self.aligned, self.cfg, self.depts, self.embeddings = aligned, cfg, depts, embeddings
        self.g, self.intent, self.kg, self.limit, self.linked = g, intent, kg, limit, linked
        self.no_cues, self.outside, self.query, self.rules = no_cues, outside, query, rules
        self.taxonomy, self.th, self.unknown_brands = taxonomy, th, unknown_brands
        self.unlinkable = unlinkable

    def align(self, cat: str) -> tuple[str | None, str | None]:
        hit = self.aligned.get(cat)
        return hit if hit is not None else _align(self.g, self.taxonomy, self.aligned, cat)

    def dept(self, cat: str) -> str | None:
        hit = self.aligned.get(cat)  # (:meth:`align`'s memo read here: called most often)
        return (hit if hit is not None else self.align(cat))[0]

    def lvl1(self, cat: str) -> str | None:
        """The category's lvl1 label; without labels to align to, its path's first two
        levels."""
        label = self.align(cat)[1]
        if label is None and self.taxonomy is not None and not self.taxonomy.labels:
            path = self.g.path(cat)
            label = SEP.join(x.strip() for x in path.split(">")[:2]) if path else None
        return label

    def links_and_intent(self) -> None:
        """The links kept (no unlinkable node, no cue; a "non" brand read as excluded; no
        category a game's title links), the platforms the KG lacks that the query names, the
        intent distribution (``p1``, ``p0``), the linked categories and the departments a
        fan-out may reach (``allowed``)."""
        cfg, g, intent, linked, query = self.cfg, self.g, self.intent, self.linked, self.query
        unlinkable = self.unlinkable
        # (a cue the linker took for a value, "no" -> the size "No" in "no pink dress", is a cue)
        linked = [e for e in linked if e.iri in g.g and e.iri not in unlinkable and not _a_cue(e)]
        # a node named "non" and a brand's name, linked from "non" and that name ("non apple" ->
        # the Flipkart sample's product type "Non-apple"), is the brand excluded, as "non samsung"
        linked = [_non_brand(g, e, linked) for e in linked]
        # the platforms the KG lacks that the query names ("ps5", "switch oled": a documented
        # list, :meth:`fusion.expand.walk._Platforms.new`), and no category a game's title links
        # before a platform ("elden ring ps5" -> rings: :func:`fusion.expand.walk._title_links`)
        plats = _platforms(g)
        games = intent is not None and plats.department is not None \
            and intent.lvl0 == plats.department
        new_platforms = plats.new(query, games)
        searched_platform = bool(new_platforms) and bool(plats.new(query, games, searched=True))
        linked = _title_links(g, linked, query, games)
        # the intent distribution, as far as it is known (top-k lvl1, best lvl0)
        p1: dict[str, float] = dict(intent.top_k) if intent is not None else {}
        p0: Counter[str] = Counter()
        for lab, p in p1.items():
            p0[lab.split(SEP)[0]] += p
        if intent is not None:
            p0[intent.lvl0] = max(p0[intent.lvl0], intent.lvl0_score)
        linked_cats = [e for e in linked if g.kind(e.iri) == "category"]
        allowed = {d for d, p in p0.items() if p >= cfg.min_department_prob}
        if searched_platform and plats.department is not None:
            allowed.add(plats.department)  # ("switch oled": Video Games, whatever the intent)
        self.allowed, self.linked, self.linked_cats = allowed, linked, linked_cats
        self.new_platforms, self.p0, self.p1, self.plats = new_platforms, p0, p1, plats
        self.searched_platform = searched_platform

    def cross(self, cat: str) -> bool:
        depts = self.depts
        if depts is None:
            return False  # (no label space: no category is cross-taxonomy)
        d = self.dept(cat)
        return d is None or d not in depts

    def words_and_exclusions(self) -> None:
        """The query's words and the links' places, what the query excludes (:func:`_exclusions`),
        the links after "with" (``featured``), the ranking's relevance terms (:meth:`relevance`)
        and the excluded runs and words."""
        allowed, cfg, dept, embeddings = self.allowed, self.cfg, self.dept, self.embeddings
        g, linked, linked_cats, query = self.g, self.linked, self.linked_cats, self.query
        unknown_brands = self.unknown_brands
        scored: list[tuple[float, _Cand]] = []
        # the query's words, each linked mention's place among them, the links the query
        # excludes ("not black", "speaker not headphones": DOWN boosts, and no part of what the
        # expansions are ranked by) and the runs of words its cues exclude (:func:`_exclusions`)
        read_out = _exclusions(g, query, linked)
        words, spans, commas = read_out.words, read_out.spans, read_out.commas
        others, places = read_out.others, read_out.places
        negated_at, negated = read_out.negated_at, set(read_out.negated)
        # the words opening a brand's name the KG does not know ("rodgers" of "white rodgers
        # thermostat": :func:`_opens_an_unknown_brand`)
        unknown_brand_at = _word_starts(query, unknown_brands) if unknown_brands else frozenset()
        # the excluded links each of whose excluded places names what the products wanted are
        # free of ("tea no caffeine" -> the brand "caffeine", "non gmo" -> the brand "G-MOS":
        # :func:`free_from_words`): no DOWN boost, a namesake of the words (below)
        free_from = {iri for iri, at in negated_at.items()
                     if at and all(free_from_words(" ".join(words[a:b])) for a, b in at)}
        # the links after "with" ("baby monitor with camera"): a feature or part of the product
        # searched, no product searched: no fan-out of their own, no category filter, and their
        # department is not one the query is about, nor one that keeps the intent's department
        # (:func:`_named_elsewhere`). A peripheral or accessory too ("record player with
        # speakers", "drum set with headphones", "ps4 with controller"; once left out, it was the
        # filter: Speakers, Headphones, PS4 Controllers). The brand rules read such an accessory
        # on their own ("samsung tv with stand": :func:`_names_a_device_it_fits`).
        featured = {e.iri for e in linked if g.kind(e.iri) != "brand"
                    and _after_with(words, spans[e.iri])}
        allowed |= {d for e in linked_cats if e.iri not in featured and (d := dept(e.iri))}
        sim = _Similarity(embeddings, [e for e in linked if e.iri not in negated])
        pop = g.popularity
        mix = (cfg.intent_weight, cfg.similarity_weight, cfg.popularity_weight)

        brand_spans = [sp for e in linked if g.kind(e.iri) == "brand" and (sp := spans[e.iri])]
        # the words each cue excludes, linked or not ("tv not 4k" links nothing; "headphones not
        # wireless" links a microphones category): no expansion's name holds them (below), as
        # none names a negated mention
        excluded_runs = list(read_out.runs)
        excluded_words = [_run_words(" ".join(words[a:b])) for a, b in excluded_runs]
        self.allowed, self.brand_spans, self.commas = allowed, brand_spans, commas
        self.excluded_runs, self.excluded_words = excluded_runs, excluded_words
        self.featured, self.free_from, self.mix, self.negated = featured, free_from, mix, negated
        self.negated_at, self.others, self.places, self.pop = negated_at, others, places, pop
        self.read_out, self.scored, self.sim, self.spans = read_out, scored, sim, spans
        self.unknown_brand_at, self.words = unknown_brand_at, words

    def relevance(self, c: _Cand) -> float:
        align, intent, mix, p0, p1 = self.align, self.intent, self.mix, self.p0, self.p1
        pop, sim = self.pop, self.sim
        if c.kind in ("synonym", "alias"):
            return 1.0  # the linked node's own names
        if c.category is None or intent is None:
            agree = 0.5
        else:
            d, lvl1 = align(c.category)
            agree = 0.5 * p0.get(d or "", 0.0) + 0.5 * p1.get(lvl1 or "", 0.0)
        return (mix[0] * agree + mix[1] * sim(c.iri) + mix[2] * pop.get(c.iri or "", 0.0)) \
            / sum(mix)

    def devices_and_values(self) -> None:
        """The accessory reading (``acc_words``, ``fitted``, ``no_device``, ``no_accessory``,
        ``follows_device``), the attributes the query's values set (``fixed``) and the
        audiences it names (:meth:`contradicts`)."""
        cross, dept, featured, g, intent = self.cross, self.dept, self.featured, self.g, self.intent
        linked, linked_cats, lvl1, negated = self.linked, self.linked_cats, self.lvl1, self.negated
        query, spans, words = self.query, self.spans, self.words
        # the words the accessory rules read: a last word typed short or misspelt ("samsung galaxy
        # s21 cse", "lg tv remot", type-ahead "...s21 ca") read as the accessory word it may be
        typed = _typed_accessory(words[-1], lambda: _known_words(g)) if words else None
        acc_words = [*words[:-1], typed] if typed is not None else words
        # the linked categories that name the device an accessory is for ("tv" in "tv battery",
        # "soundbar for 55 inch tv"): what is searched is another product, so no filter, and of
        # their expansions only their accessory categories; an intent that only follows the device
        # word (TVs for "tv battery", "tv cable") is no judge of the searched product's lvl1
        # category, and of its category's neighbourhood only the accessory categories are walked
        # (no device named as a modifier of another product, "microwave popcorn": the noun phrase
        # after a device runs through bounds, prices and brand lines, "tv under fifty bucks",
        # "apple watch nike plus", and lost right filters on the store's own queries)
        fitted = _fitted_devices(g, acc_words, linked, spans)
        # the linked categories searched "for" another department's ("toner for face"): namesakes
        # of what is searched, no filter, fan-out nor department filter (:func:`_fits_elsewhere`)
        fits_elsewhere = _fits_elsewhere(g, words, [e for e in linked_cats if e.iri not in negated],
                                         spans, fitted, dept) if fitted else frozenset()
        # the words that name no device an accessory fits: those of a linked colour, size or other
        # value, of a brand, of what the query excludes; and the accessory words that name a kind
        # of the linked product searched, no accessory ("stand" of "stand mixer")
        no_device = frozenset(i for e in linked if (sp := spans[e.iri]) is not None and (
            e.iri in negated or g.kind(e.iri) not in ("category", "product_type", "product"))
            for i in range(*sp))
        no_accessory = frozenset(
            i for e in linked if e.iri not in negated and (sp := spans[e.iri]) is not None
            and g.kind(e.iri) in ("category", "product_type")
            and any(w in _ACCESSORY_WORDS for w in acc_words[sp[0]:sp[1] - 1])
            and _a_kind_of(g, e.iri, " ".join(words[sp[0]:sp[1]]))
            for i in range(sp[0], sp[1] - 1) if acc_words[i] in _ACCESSORY_WORDS)
        follows_device = part_named = False
        if intent is not None and intent.category not in {
                lvl1(e.iri) for e in linked_cats if e.iri not in fitted}:
            intent_cat = intent.category_iri or g.category_by_path(intent.category)
            follows_device = intent.category in {
                lvl1(c) for d in fitted for c in _own_categories(g, d)} or (
                intent_cat is not None and intent_cat in g.g
                and _names_the_device(g, acc_words, linked, spans, intent_cat))
            # ("laptop memory" links Laptop Memory, its intent Laptops: the link is searched, its
            # filter; the intent's category, the device it is a part of, is not walked, below)
            part_named = not follows_device and intent_cat is not None and intent_cat in g.g \
                and _a_part_named_by(g, words, [
                    e for e in linked_cats if e.iri not in negated and e.iri not in featured
                    and not cross(e.iri) and dept(e.iri) == intent.lvl0], spans, intent_cat)
            follows_device = follows_device or part_named
        query_words = _words(query)
        # attributes the query's own linked values set ("for men": ideal_for): another value of
        # one ("women", "girl") contradicts the query, and an engine ORing expansions would show it
        # (a value naming the set one more finely stays: "genuine leather" for "leather")
        fixed: dict[str, list[str]] = {}
        for e in linked:
            if g.kind(e.iri) == "attribute_value" and e.iri not in negated:
                attr = g.g.nodes[e.iri].get("attribute") or ""
                if attr == "size" and _bare_number(g.label(e.iri)):
                    continue  # a bare number ("galaxy watch 4") sets no size
                fixed.setdefault(attr, []).append(e.iri)

        # the audiences the query names (not those it excludes: "watch not for men"), linked or
        # not ("newborn", "for kids", "youth": the tagger's ``department``, linked to nothing): an
        # expanded value of another audience contradicts the query ("newborn gloves": no Men)
        audience = _audiences(words)
        if audience and not _cue_free(words):  # (most queries name none; without a cue, none
            #                                    is excluded: :func:`_cue_free`)
            audience = _audiences([w for i, w in enumerate(words)
                                   if not _negated(words, (i, i + 1), _VALUE_NEGATIONS)])
        self.acc_words, self.audience, self.fits_elsewhere = acc_words, audience, fits_elsewhere
        self.fitted, self.fixed, self.follows_device = fitted, fixed, follows_device
        self.no_accessory, self.no_device, self.part_named = no_accessory, no_device, part_named
        self.query_words = query_words

    def excluded(self, text: str, start: int, cues: frozenset[str] = _NEGATIONS) -> bool:
        """Whether the words of ``text`` before the character offset ``start`` exclude what
        follows (:func:`_negated`, the words linked as another mention no cue): a rule's input
        ("not refurbished", "non-refurbished"), a size pattern ("tv not 65 inch")."""
        g, linked = self.g, self.linked
        head = text[:start]
        # ("tv -(65 inch)": a "-" before a bracket or a quote, whatever opens the group)
        opened = head.rstrip("".join(_OPENING_MARKS))
        group = len(opened) < len(head) and opened.endswith("-")
        head = opened if group else head
        cut = head.rstrip("-\u2010")  # ("non-refurbished": the cue "non")
        before = _query_words(cut)
        if head.endswith("-") and len(cut) == len(head) - 1 and (not cut or cut[-1].isspace()) \
                and (group or text[start:start + 1].isalpha()):
            before.append(_MINUS_CUE)  # "tv -refurbished": the search box's exclusion
        others = [sp for e in linked
                  if (sp := _find_mention(before, e.mention or g.label(e.iri)))]
        return _negated(before, (len(before), len(before)), cues, others)

    def contradicts(self, iri: str) -> bool:
        audience, fixed, g = self.audience, self.fixed, self.g
        if audience and _names_another_audience(g.label(iri), audience):
            return True
        set_ = fixed.get(g.g.nodes[iri].get("attribute") or "")
        if not set_ or iri in set_:
            return False
        name = set(normalize_key(g.label(iri)).split())
        return not any(set(normalize_key(g.label(v)).split()) <= name for v in set_)

    def fan_out_bounds(self) -> None:
        """What the candidates' filter (:meth:`add`) reads: the linked products' departments,
        the text the patterns read (prices, sizes), a brand's model words, the audiences
        searched, the brands' categories, the listed categories, the generations and platforms
        named, an accessory intent."""
        audience, cross, dept, featured = self.audience, self.cross, self.dept, self.featured
        g, intent, linked, linked_cats = self.g, self.intent, self.linked, self.linked_cats
        negated, new_platforms, places = self.negated, self.new_platforms, self.places
        plats, query, spans, words = self.plats, self.query, self.spans, self.words
        # the store departments of the products the query links (its categories and product types
        # not excluded, no feature after "with"), and a trusted intent's (a generic word's link,
        # "apple accessories" -> Two-Way Radios > Accessories, beside Cell Phones): a brand's
        # ``sells_in`` fan-out stays in them
        product_depts = {d for e in linked if e.iri not in negated and e.iri not in featured
                           and g.kind(e.iri) in ("category", "product_type")
                           for c in ([e.iri] if g.kind(e.iri) == "category"
                                     else g.out(e.iri, "type_in"))
                           if not cross(c) and (d := dept(c))}

        # a query that names a brand and a model or line of it the KG does not link ("dell xps
        # 13", "sony wh-1000xm5", "samsung 55in qled", :func:`_model_words`): which of the brand's
        # many families it is the KG cannot say. Where the query links no product (a category or
        # product type, whose departments bound a brand's fan-out as for any brand: "samsung
        # galaxy s7 edge"), the brand's ``sells_in`` fan-out keeps only the categories the rest of
        # the query supports: those its units or display words fit (:func:`_unit_fits`: "55in",
        # "65", "qled" -> TVs, "2tb" -> storage) and those a word of it heads ("apple iphone 7
        # plus": iPhone), else none (not even where a brand's ``sells_in`` categories are one
        # family's: those edges are partial, Acer's only one is All Unlocked Cell Phones). Where
        # it links no product, or the model is the device an accessory fits ("charger for dell
        # xps"), and no word of it heads the intent's category ("canon eos r6 mirrorless camera
        # body": Digital Cameras), the intent's category is walked only as sure as a hard filter
        # (``thresholds.hard_filter``: the intent of such a query, its model unknown to the KG, is
        # right about half the time between ``thresholds.intent`` and it), and not into its
        # siblings (other families by definition: a model is one product)
        # the patterns read the query as typed, NFKC-normalised (the rules keep numbers as typed:
        # "10²"): a DELETE takes words out of the text searched ("and", "to", "dollars"), never a
        # price bound or size the user asked for ("tv between 500 and 800" with "and => DELETE");
        # each size with where it was read (a value is not always the text's, "55 inch" of "55
        # or 65 inch", '50"' of '50′′')
        text = " ".join(unicodedata.normalize("NFKC", query).split())
        price_min, price_max = parse_price(text)
        read_at = find_sizes(text)
        model: list[int] = []
        product_heads: frozenset[str] = frozenset()  # (the heads of the words naming a product)
        unit_fits: frozenset[str] = frozenset()
        linked_product = bool(product_depts)
        if words and any(g.kind(e.iri) == "brand" and e.iri not in negated for e in linked):
            sizes = read_at if text == " ".join(query.split()) else []
            taken = {i for sps in places for a, b in sps for i in range(a, b)}
            taken |= {i for sp in spans.values() if sp is not None for i in range(*sp)}
            for size in sizes:
                taken |= set(range(len(_query_words(text[:size.start])),
                                   len(_query_words(text[:size.end]))))
            model, named_at = _model_words(g, words, taken)
            product_heads = frozenset().union(*(name_heads(words[i]) for i in named_at))
            if model and (price_min, price_max) != (None, None):
                model = [i for i in model if not words[i].lstrip("$").replace(".", "").isdigit()]
            unit_fits = _unit_fits(words, model, [size.value for size in sizes])
        # the audiences of what the query searches: those its words name and those its linked
        # categories and product types name ("baby monitor", "kids tablets" linking Kids' Tablets);
        # a query that names audiences only to exclude them ("gloves not for kids") is not judged
        # narrowed by another one ("Men")
        searched_for = audience | {
            a for e in linked if e.iri not in negated
            and g.kind(e.iri) in ("category", "product_type")
            for a in _name_audiences(g.label(e.iri))}
        audience_judged = bool(searched_for) or not _audiences(words)
        # the categories the query's brands (not excluded) are sold in: their ``sells_in``
        # categories and their products' (or those of the sold brand one is spelt like), as
        # :func:`_brand_facts` reads them for the brand filter
        brands_sold = {c for e in linked if e.iri not in negated and g.kind(e.iri) == "brand"
                       for c in _brand_facts(g, e.iri)[1]}
        # the words the query says, with those of the categories its brands are sold in: a
        # device a brand makes is named by the brand ("canon battery": Canon sells Digital
        # Cameras, so Camera Batteries are no other device's; "makita 18v battery": no camera)
        brand_said: list[frozenset[str]] = []

        # the linked categories of the label space the query names as products (not excluded, no
        # feature after "with"): a list of products names several ("graphics tablets mice", read
        # as mice for graphics tablets too)
        listed = {e.iri for e in linked_cats if e.iri not in negated and e.iri not in featured
                  and not cross(e.iri)}

        # the generations of product lines the query names ("ps5", "iphone 15", "xbox series x"):
        # a candidate naming another generation of such a line is another product ("PS4 Games",
        # "iPhone 6", "Xbox 360"; :func:`_another_generation`)
        generations = _generations(text)
        # the platform families the query names ("xbox one", "ps5", "nintendo switch"): a
        # category for another family's platform is for another product ("Wii U", "PlayStation
        # 4" for an Xbox game; :func:`_another_platform`)
        platforms = plats.named(text) | new_platforms
        # a device query the intent reads as accessories ("lg phone": Cell Phone Accessories),
        # whose fan-out's accessories :func:`_an_unsaid_accessory` judges; once per query
        accessory_intent = intent is not None and _an_accessory_path(intent.category) \
            and not _FITS & set(words)
        self.accessory_intent, self.audience_judged = accessory_intent, audience_judged
        self.brand_said, self.brands_sold, self.generations = brand_said, brands_sold, generations
        self.linked_product, self.listed, self.model = linked_product, listed, model
        self.platforms, self.price_max, self.price_min = platforms, price_max, price_min
        self.product_depts, self.product_heads, self.read_at = product_depts, product_heads, read_at
        self.searched_for, self.text, self.unit_fits = searched_for, text, unit_fits

    def said_words(self) -> frozenset[str]:
        """The query's words and those of its brands' categories, read once, when a generic
        accessory's neighbour asks (most queries have none)."""
        brand_said, brands_sold, g = self.brand_said, self.brands_sold, self.g
        query_words = self.query_words
        if not brand_said:
            brand_said.append(frozenset(query_words) | {w for c in brands_sold
                                                         for w in _words(g.label(c))})
        return brand_said[0]

    def asked_for(self, value: str) -> bool:
        """Whether the query asks for a category's common attribute ``value``: it sets a
        value of that attribute (one naming it more finely stays, :func:`contradicts`:
        "leather belt" -> Genuine Leather), or it names an audience the value names ("mens
        gloves" -> Men). A colour or material of the category's products the query names none
        of ("curtains" -> Multicolor, "bike helmet" -> Black) narrows it to what it did not
        ask for, and an engine ORing expansions would rank any product of that colour up."""
        audience, fixed, g = self.audience, self.fixed, self.g
        if (g.g.nodes[value].get("attribute") or "") in fixed:
            return True
        label = g.label(value)
        return bool(audience) and bool(_name_audiences(label)) \
            and not _names_another_audience(label, audience)

    def points_there(self, c: _Cand) -> bool:
        """Whether the query's brand or intent points to a tree neighbour ``c`` of a linked
        category the query's words do not name: a brand of the query sold in it, or an
        intent at least as sure as its lvl1 suggestion's threshold (``thresholds.intent``)
        whose lvl1 category is its, or, in a list of products, another linked product's
        while it gives ``c``'s, the linked category's own, some probability (0.05)."""
        brands_sold, cross, fitted, intent = self.brands_sold, self.cross, self.fitted, self.intent
        listed, lvl1, outside, p1, th = self.listed, self.lvl1, self.outside, self.p1, self.th
        if c.iri in brands_sold:
            return True
        if intent is None or intent.score < th.intent or outside or c.iri is None \
                or cross(c.iri):
            return False
        if lvl1(c.iri) == intent.category:
            return True
        # a list of products ("graphics tablets mice"): the intent follows one of them, the
        # others keep their own neighbours, in their own lvl1 category (which the intent
        # gives some probability: "Gaming Mice" beside the intent's Graphics Tablets)
        walked = c.provenance[0][2] if c.kind == "child_category" else c.provenance[0][0]
        return walked in listed and walked not in fitted and lvl1(c.iri) == lvl1(walked) \
            and p1.get(lvl1(c.iri) or "", 0.0) >= 0.05 \
            and any(o != walked and lvl1(o) == intent.category for o in listed)

    def add(self, cands: Sequence[_Cand], base: float) -> None:
        accessory_intent, allowed, asked_for = self.accessory_intent, self.allowed, self.asked_for
        audience_judged, cfg, contradicts = self.audience_judged, self.cfg, self.contradicts
        cross, dept, g, generations = self.cross, self.dept, self.g, self.generations
        intent, linked_product, lvl1 = self.intent, self.linked_product, self.lvl1
        model, platforms, points_there = self.model, self.platforms, self.points_there
        product_depts, product_heads = self.product_depts, self.product_heads
        query_words, relevance, said_words = self.query_words, self.relevance, self.said_words
        scored, searched_for, taxonomy = self.scored, self.searched_for, self.taxonomy
        unit_fits, unlinkable, words = self.unit_fits, self.unlinkable, self.words
        fanned: Counter[tuple[str, str]] = Counter()
        for c in cands:
            if c.iri in unlinkable or (c.category is not None and c.category in unlinkable):
                continue
            if generations and c.kind not in ("synonym", "alias") \
                    and _another_generation(c.term, generations):
                continue  # "ps5 console": no PS4 Consoles, PlayStation 3; "iphone 15": no
                #           iPhone 6, iPhone SE (the line's own PlayStation Network stays)
            if platforms and c.kind in _CATEGORY_KINDS and c.iri is not None \
                    and _another_platform(g, c.iri, platforms):
                continue  # "red dead redemption 2 xbox one": no Wii U, Nintendo 3DS; "ps5
                #          controller": no Xbox One (Video Games, Toys to Life stay)
            if accessory_intent and intent is not None and c.fanout \
                    and c.kind in _CATEGORY_KINDS and c.iri is not None \
                    and _an_unsaid_accessory(g, c.iri, words) \
                    and not (lvl1(c.iri) == intent.category
                             and g.label(c.iri) == intent.category.split(SEP)[-1]):
                continue  # "lg phone" (intent Cell Phone Accessories): no Cell Phone Cases &
                #          Clips, Screen Protectors, Car Chargers from LG's categories or the
                #          intent's walk (a device searched, no accessory, where the intent
                #          reads accessories; the intent's own category stays: Best Buy
                #          labels many device queries so)
            if c.kind != "alias" and c.iri is not None and not g.named(c.iri):
                continue  # a node without a name: its term would be its IRI
            if c.kind == "attribute_value" and c.iri is not None and contradicts(c.iri):
                continue
            if audience_judged and _narrows_audience(c, searched_for):
                continue  # "sandals": no "womens footwear", "sweatshirt": no "Men"
            if c.kind == "attribute_value" and c.iri is not None and not asked_for(c.iri):
                continue  # "curtains": no Multicolor, "pillow no feathers": no White, Cotton
            # (the query's words first: its brands' categories are read only for a
            # neighbour those leave unsaid)
            if not c.fanout and c.kind in _TREE_KINDS and _a_narrower_unsaid(
                    g, c, query_words) and _a_narrower_unsaid(g, c, said_words()) \
                    and not points_there(c):
                continue  # "makita 18v battery": no Camera Batteries, UPS Batteries
            if not c.fanout and c.iri is not None and cross(c.iri) \
                    and not _names_the_linked(g, c):
                continue  # "black shorts men" (Google's Shorts): no Clothing, Underwear &
                #          Socks, Uniforms; "t shirts" (Flipkart's shirts): no kaftans
            if c.kind in _TREE_KINDS and c.category is not None and taxonomy is not None:
                walked = c.provenance[0][2] if c.kind == "child_category" else c.provenance[0][0]
                src = dept(walked)
                if src is not None and dept(c.category) != src:
                    continue  # tree walks stay in their department (no store root, no other
                    #          departments as "siblings" of a department)
            if c.fanout and c.category is not None:
                sold = c.kind == "category" and c.provenance[0][1] == "sells_in"
                if product_depts and sold and dept(c.category) not in product_depts:
                    continue  # a brand's other departments, where the query's linked product
                    #          is not ("apple mice": no iPhone cases)
                fits = False
                if model and sold and not linked_product:
                    label = g.label(c.category)
                    if not unit_fits & _words(label) \
                            and not product_heads & _name_heads(label):
                        continue  # "sony wh-1000xm5": no PlayStation 4; "samsung 55in
                        #          qled": no Refrigerators (see ``model``)
                    fits = True  # ("sony bravia 65": TVs, whatever the intent's guess)
                if cross(c.category):
                    continue  # cross-taxonomy only as tree neighbours of a linked category
                if fits:
                    pass
                elif allowed and dept(c.category) not in allowed:
                    continue  # no fan-out into unrelated departments
                if not allowed and not fits:  # nothing says which department: the most
                    key = (c.provenance[0][0], c.kind)  # popular one only
                    if fanned[key] >= 1:
                        continue
                    fanned[key] += 1
            w = cfg.weights[c.kind] * base * relevance(c)
            if w > 0:
                scored.append((min(w, 1.0), c))

    def link_context(self) -> None:
        """The filters' state (facets, suggestions, link boosts), the trusted department
        (``hard_dept``) and what the links' roles are judged by: alternatives and comparisons,
        the products searched, the store's trees, a party cue, a toy version."""
        cross, dept, depts, featured = self.cross, self.dept, self.depts, self.featured
        fitted, g, intent, kg, linked = self.fitted, self.g, self.intent, self.kg, self.linked
        linked_cats, negated, outside = self.linked_cats, self.negated, self.outside
        plats, product_depts, query = self.plats, self.product_depts, self.query
        searched_platform, spans, th = self.searched_platform, self.spans, self.th
        words = self.words
        # expansions, filters and their sources
        facets: dict[str, list[tuple[str, str]]] = {"brand": [], "category": [], "colour": [],
                                                    "size": []}
        suggestions: list[CategorySuggestion] = []
        # a query outside the KG: its intent is the text model's guess, a suggestion only (judged
        # only when the caller gives the query's text)
        if outside is None:
            outside = bool(query.strip()) and outside_kg(kg, query, linked)
        hard_dept = intent.lvl0 if intent is not None and intent.lvl0_score >= th.hard_filter \
            and not outside else None
        if hard_dept is None and intent is not None and not outside \
                and (depts is None or intent.lvl0 in depts) \
                and self.names_a_fitted_accessory(intent.lvl0, intent.category):
            # ("battery for camera" at Cameras & Camcorders 0.67: the query names Camera
            # Batteries whole, as the accessory of the device it says it fits, in the intent's
            # department and lvl1 category; the words and the intent agree on the department)
            hard_dept = intent.lvl0
        # (or where the intent's department is no filter, a linked accessory category named with
        # the device it is for, in that device's department: "camera charger", "charger for
        # ipad" read Cell Phones at 0.53-0.62, yet the query names Camera Chargers & Adapters,
        # iPad Chargers & Sync Cables whole; its department is the one the filter is in, the
        # link the filter, :meth:`device_accessories`)
        named_accessories: frozenset[str] = frozenset()
        if hard_dept is None and intent is not None and not outside:
            named_accessories = self.device_accessories()
            homes = {dept(c) for c in named_accessories}
            home = next(iter(homes)) if len(homes) == 1 else None
            if home is not None and (depts is None or home in depts):
                hard_dept = home
            else:
                named_accessories = frozenset()
        self.named_accessories = named_accessories
        if searched_platform and plats.department is not None \
                and (depts is None or plats.department in depts):
            hard_dept = plats.department  # ("switch oled" read as TVs, "ps5" unsure: the intent
            #                                never saw the platform; Video Games is its department)
        if hard_dept is not None and product_depts:
            product_depts.add(hard_dept)
        # the departments the query is about: the trusted intent's and its linked categories'
        # (those it does not exclude); an excluded category in none of them is a namesake in
        # another department ("headphones not wireless" -> Musical Instruments > ... > Wireless,
        # "laptop without windows" -> Building Materials > Windows), not what the user excluded.
        # None is judged without the label space's departments (every taxonomy counts as the
        # intent's), nor where nothing trusted says what is searched; where a linked category
        # searched is outside it, an excluded category of its taxonomy far from it is a namesake
        # (:func:`_a_namesake_beside`: "cat food without fish" -> Fish Food; "belt without buckle",
        # Flipkart's belts and Google's Belt Buckles, is not judged)
        searched_depts = [dept(e.iri) for e in linked_cats if e.iri not in negated]
        about = set() if depts is None or None in searched_depts else {
            d for d in (hard_dept, *searched_depts) if d}
        # the words of the categories the query names (its intent, its linked categories): a size
        # value among them is part of such a name ("small" in "small kitchen appliances")
        named = set(normalize_key(intent.category.split(SEP)[-1]).split()) if intent else set()
        for e in linked:
            if g.kind(e.iri) == "category":
                named.update(normalize_key(g.label(e.iri)).split())
        # brand links: a hard filter only for a grounded brand the query asks for; a brand the
        # query excludes is a DOWN boost, and one it may only name as the device an accessory fits
        # (or one the KG sells nothing under) an UP boost
        link_boosts: list[Boost] = []
        # the linked categories and products that are a brand's product line ("iphone": Apple's),
        # with that brand: another brand's line on the other side of an "or" makes a brand an
        # alternative ("samsung phone or iphone")
        # (the words as the alternatives read them: "difference between laptop and tablet",
        # "compare x with y" are alternatives as "laptop vs tablet")
        alt_words = _compared(words)
        compared = any(w in _ALTERNATIVES for w in alt_words)
        lines = [(sp, owners) for e in linked if e.iri not in negated
                 and (sp := spans[e.iri]) is not None and (owners := _comparison_owners(g, e.iri))
                 ] if compared else []
        linked_at = {i for e in linked if (sp := spans[e.iri]) is not None for i in range(*sp)}

        # the query's products besides a brand: the linked categories and product types it
        # searches (tagged as a product or a product's name; not excluded, no feature after
        # "with", no device an accessory is for)
        searched = [(e, sp) for e in linked if (sp := spans[e.iri]) is not None
                    and g.kind(e.iri) in ("category", "product_type")
                    and e.iri not in negated and e.iri not in featured and e.iri not in fitted
                    and (e.label is None or e.label in HEAD_LABELS or e.label == "product_name")]
        # an intent this sure is one to keep a brand filter by, the query unfamiliar to the intent
        # model or not ("asus notebook", Laptops at 0.93; ``unfamiliar`` marks a low probability
        # as no judge)
        sure = intent is not None and intent.score >= th.intent and not outside

        # the brands each brand filter is an alternative to ("samsung or lg tv"), and the role of
        # each linked brand (None: a filter): a brand filter is one only where they all are
        alternatives: dict[str, list[str]] = {}
        brand_roles: dict[str, str | None] = {}
        # each linked category (not excluded): the category it may filter on in the trusted
        # department (None: none), and whether the intent agrees with it
        cat_links: list[tuple[LinkedEntity, str | None, bool]] = []
        # the links that name no node the query is about, excluded or not: a place of origin, a
        # namesake category (no ``iri`` of the words the query excludes: "cat food without fish"
        # excludes fish, not the fish's Fish Food)
        namesakes: set[str] = set()
        # the categories of the devices the query links (not excluded): a brand sold in one of
        # them, by a product of its (``has_brand`` + ``in_category``) as much as a ``sells_in``
        # edge, makes that device ("plexo tv remote": Plexo's only link to TVs is a TV of its)
        linked_devices = {c for e in linked if e.iri not in negated
                          and g.kind(e.iri) in ("category", "product_type")
                          for c in _own_categories(g, e.iri) if not _ACCESSORY.search(g.label(c))}

        # the taxonomies (IRI catalogues, :func:`_taxonomy`) of the store's tree beside a trusted
        # intent: its category's, its department's, a linked category's placed in the label space;
        # another one's linked categories expand by their names only (below)
        store_trees = set() if hard_dept is None or intent is None else {
            _taxonomy(c) for c in (intent.category_iri, g.category_by_path(intent.category),
                                   g.category_by_path(hard_dept), *(e.iri for e in linked_cats))
            if c is not None and c in g.g and g.kind(c) == "category" and not cross(c)}
        # who the query says makes what it searches: a third party (the brands it names are the
        # devices that fits, UP boosts), or the brand named (no accessory reads it as the device)
        party = _party_cue(words)
        # the spans of the linked categories and product types the query does not exclude
        searched_spans = [sp for e in linked if e.iri not in negated and (sp := spans[e.iri])
                          and g.kind(e.iri) in ("category", "product_type")]
        # a toy version of a device ("toy microwave", "toy blender", "pretend washer and dryer for
        # kids"): the place of the device's first word (:func:`_toy_version`); the device's
        # products are not what is searched, so its walk and the intent's expand nothing (below)
        toy_at = _toy_version(words, [sp for e in linked if (sp := spans[e.iri]) is not None])
        self.about, self.alt_words, self.alternatives = about, alt_words, alternatives
        self.brand_roles, self.cat_links, self.compared = brand_roles, cat_links, compared
        self.facets, self.hard_dept, self.lines = facets, hard_dept, lines
        self.link_boosts, self.linked_at = link_boosts, linked_at
        self.linked_devices, self.named, self.namesakes = linked_devices, named, namesakes
        self.outside, self.party, self.searched = outside, party, searched
        self.searched_spans, self.store_trees = searched_spans, store_trees
        self.suggestions, self.sure, self.toy_at = suggestions, sure, toy_at

    def names_a_fitted_accessory(self, department: str, lvl1: str) -> bool:
        """Whether a linked category of the department ``department`` and the lvl1 category
        ``lvl1`` (not excluded, no feature, no device) is named whole by its mention after the
        device the query says, after the mention, it fits (:func:`kg.link.fitted_name`: Camera
        Batteries for "battery" in "battery for camera", Laptop Chargers & Adapters for
        "charger" in "charger for laptop"): the accessory of that device, which the query's
        words name as surely as the KG's name does."""
        dept, fitted, g, linked_cats = self.dept, self.fitted, self.g, self.linked_cats
        negated, featured, lvl1_of, query = self.negated, self.featured, self.lvl1, self.query
        key = normalize_key(query)
        return any(e.iri not in negated and e.iri not in featured and e.iri not in fitted
                   and e.mention and dept(e.iri) == department and lvl1_of(e.iri) == lvl1
                   and fitted_name(normalize_key(g.label(e.iri)), normalize_key(e.mention), key)
                   for e in linked_cats)

    def device_accessories(self) -> frozenset[str]:
        """The linked accessory categories (not excluded, no feature, no device an accessory
        is for, tagged as the product searched, in the label space) named with the device they
        are for, a device of their own department (:func:`_a_device_accessory`: Camera Chargers
        & Adapters for "camera charger" and "charger for camera"; iPad Chargers & Sync Cables
        for "charger for ipad"), whose lvl1 category the intent gives some probability (0.24,
        0.28, 0.26 there): what the query searches, whichever department the intent reads."""
        cross, dept, excluded_runs, featured = self.cross, self.dept, self.excluded_runs, \
            self.featured
        fits_elsewhere, fitted, g, linked_cats = self.fits_elsewhere, self.fitted, self.g, \
            self.linked_cats
        lvl1, negated, p1, words = self.lvl1, self.negated, self.p1, self.words
        said = _words(" ".join(w for i, w in enumerate(words)
                               if not any(a <= i < b for a, b in excluded_runs)))
        return frozenset(
            e.iri for e in linked_cats
            if e.iri not in negated and e.iri not in featured and e.iri not in fitted
            and e.iri not in fits_elsewhere and (e.label is None or e.label in HEAD_LABELS)
            and e.mention and not cross(e.iri) and p1.get(lvl1(e.iri) or "", 0.0) >= 0.05
            and _a_device_accessory(g, e.iri, e.mention, said, dept))

    def side_names(self, side: tuple[int, int], what: str, but: Collection[str] = ()) -> bool:
        """Whether the words of an alternative's ``side`` that no mention links name a
        grounded brand (``what`` "brand": "dell laptop vs hp laptop", "vs hp" linking
        nothing) or a KG category ("category": "laptop" of "difference between laptop and
        tablet"; not one of the words ``but``, the category's own: "dell laptop vs hp
        laptop")."""
        alt_words, g, linked_at = self.alt_words, self.g, self.linked_at
        free = [alt_words[i] for i in range(*side) if i not in linked_at and alt_words[i]
                and alt_words[i] not in _ALTERNATIVES and alt_words[i] not in _FILLERS]
        if what == "brand":
            return any(brand_key(w) in grounded_brands(g.g) for w in free)
        return any((ws := _words(w)) and ws in _category_words(g) and not ws <= set(but)
                   for w in free)

    def sold_where_searched(self, span: tuple[int, int] | None, sold_in: Collection[str]) -> bool:
        """Whether a grounded brand (at ``span``, sold in ``sold_in``) may be sold where the
        query searches, so a filter on it keeps what is searched. Not where (and only where) the
        query links a product (a linked mention, not the brand's) the store sells no kind of: no
        category of its label space holds every word of the mention ("sauce", "cheddar
        cheese", "energy drink"), the KG's categories of that name (another taxonomy's) lie in
        departments the brand sells nothing in, and a sure intent's department is none
        the brand sells in either ("samsung television" links Google's Televisions, but its
        intent is TV & Home Theater, where Samsung sells). Otherwise it may: the KG's
        ``sells_in``/``has_brand`` edges are too partial to judge a department by, so a query
        that links no product ("fitbit versa", "jbl flip 5", "amazon echo": the intent or a
        free word's namesake would drop right filters on the store's own brands), or whose
        product the store holds ("vizio 50 inch tv"), or whose sure intent lies where the brand
        sells ("asus notebook": Laptops), keeps the filter; but for a query that links no
        product, the intent reading no department at ``min_department_prob``, whose last word
        names a product only other catalogues' categories outside the brand's departments are
        headed by (:meth:`headed_elsewhere`: "bmw white alpine touch up paint")."""
        cross, dept, g, intent, searched = self.cross, self.dept, self.g, self.intent, self.searched
        sure, words = self.sure, self.words
        sells_intent = sure and any(dept(c) == intent.lvl0 for c in sold_in if not cross(c))
        products = [(e, sp) for e, sp in searched
                    if span is None or sp[1] <= span[0] or span[1] <= sp[0]]
        if sells_intent:
            return True
        index = _word_categories(g)
        if not products:
            return not self.headed_elsewhere(sold_in)

        def store(text: str) -> list[str]:
            """The categories of the store (the label space) named by every word of ``text``
            and headed by its last one ("baby food": Baby Food Makers holds both words, but
            heads makers)."""
            ws, head = _words(text), _name_heads(text.split()[-1] if text else "")
            return [c for c in (frozenset.intersection(*(index.get(w, frozenset()) for w in ws))
                                if ws and head else ())
                    if not cross(c) and head & _name_heads(g.label(c))]

        named = [" ".join(words[sp[0]:sp[1]]) for _, sp in products]
        cats = {c for e, _ in products for c in _own_categories(g, e.iri)}
        if any(store(text) for text in named) or not cats or not all(cross(c) for c in cats):
            return True
        tops = {g.department(c) for c in sold_in}
        return any(g.department(c) in tops for c in cats)

    def headed_elsewhere(self, sold_in: Collection[str]) -> bool:
        """Whether the query, which links no product, names its product by a last word (a
        plain word no mention links) that heads no category of the store's tree and heads KG
        categories of other catalogues, none in a department a brand sold in ``sold_in``
        sells in, where the intent gives no department ``min_department_prob`` ("bmw white
        alpine touch up paint": Google's Vehicle Paint and Art & Craft Paint, TV & Home
        Theater at 0.16; Alpine sells car audio): the brand's word names something else there
        (a colour of the car maker's), so a filter on it would keep none of what is searched.
        Not where the intent reads a department ("fitbit kids boys" at 0.34, "ge led flood"
        at 0.57): the KG's ``sells_in`` edges are too partial to judge a brand by there."""
        cfg, cross, g, intent = self.cfg, self.cross, self.g, self.intent
        linked, linked_at, words = self.linked, self.linked_at, self.words
        if intent is not None and intent.lvl0_score >= cfg.min_department_prob:
            return False  # the intent reads a department of the store ("fitbit kids boys",
            #               "ge led flood": the brand's sells_in edges are partial)
        if len(words) < 2 or len(words) - 1 in linked_at or not _plain_word(words[-1]):
            return False
        heads = _name_heads(words[-1])
        ws = _words(words[-1])
        if ws & {w for e in linked if g.kind(e.iri) == "brand"
                 for w in _words(f"{g.label(e.iri)} {e.mention or ''}")}:
            return False  # the brand's own word again ("apple apple apple")
        if not heads or len(ws) != 1:
            return False
        headed = [c for c in _word_categories(g).get(next(iter(ws)), ())
                  if heads & _name_heads(g.label(c))]
        if not headed or any(not cross(c) for c in headed):
            return False
        tops = {g.department(c) for c in sold_in}
        return not any(g.department(c) in tops for c in headed)

    def makes_the_device(self, brand: str, span: tuple[int, int] | None = None) -> bool:
        """Whether the brand makes devices (a ``sells_in`` category that is no accessory's),
        or one of the devices the query links, or (the brand at ``span``) one the query names
        by another word of a KG category named by the brand and that word, no accessory's
        ("amazon kindle fire case": Amazon Fire; the KG sells Amazon's chargers only)."""
        g, linked_devices, words = self.g, self.linked_devices, self.words
        _, sold_in, devices = _brand_facts(g, brand)
        if devices or any(c in linked_devices for c in sold_in):
            return True
        if span is None or all(self.cross(c) for c in sold_in):
            return False  # (a brand the store sells: "prime" of "prime lenses" names Prime
            #               Lenses, no device)
        mine = _words(g.label(brand))
        said = {w for i, word in enumerate(words) if not span[0] <= i < span[1]
                for w in _words(word)}
        index = _word_categories(g)
        return bool(mine) and any(
            (ws := _words(g.label(c))) - mine and ws - mine <= said
            and not _ACCESSORY.search(g.label(c))
            for c in frozenset.intersection(*(index.get(w, frozenset()) for w in mine)))

    def accessory_words(self, span: tuple[int, int] | None
                        ) -> tuple[list[str], frozenset[int]]:
        """The words the accessory rules read (``acc_words``) with each linked accessory
        category of the store's tree (its name or its parent's on its path an accessory's)
        searched beside the brand at ``span`` read as an accessory word ("privacy screen" ->
        Privacy Screens under Monitor & Screen Accessories: its last word; not Google's RAM under
        Electronics Accessories > Memory, "ddr3 samsung ram"), and the words that name no
        device (``no_device``, with that mention's other words)."""
        acc_words, g, linked, negated = self.acc_words, self.g, self.linked, self.negated
        featured, spans, no_device = self.featured, self.spans, self.no_device
        out, none = list(acc_words), set(no_device)
        for e in linked:
            sp = spans[e.iri]
            if sp is None or e.iri in negated or e.iri in featured \
                    or (span is not None and sp[0] < span[1] and span[0] < sp[1]) \
                    or g.kind(e.iri) not in ("category", "product_type") \
                    or not (e.label is None or e.label in HEAD_LABELS) \
                    or not any(not self.cross(c) and any(
                        _ACCESSORY.search(n) for n in str(g.path(c) or "").split(SEP)[-2:])
                               for c in _own_categories(g, e.iri)) \
                    or any(w in _ACCESSORY_WORDS for w in out[sp[0]:sp[1]]):
                continue
            out[sp[1] - 1] = "accessory"
            none.update(range(sp[0], sp[1] - 1))
        return out, frozenset(none)

    def toy_device(self, e: LinkedEntity) -> bool:
        """Whether the linked ``e`` is the device the query asks a toy version of: a
        category, product type or product named right after the toy words whose categories
        hold no toys ("toy drone": Toys, Games & Drones is walked; :func:`_holds_toys`)."""
        g, spans, toy_at = self.g, self.spans, self.toy_at
        sp = spans[e.iri]
        if toy_at is None or sp is None or sp[0] != toy_at \
                or g.kind(e.iri) not in ("category", "product_type", "product"):
            return False
        cats = g.out(e.iri, "in_category") if g.kind(e.iri) == "product" \
            else _own_categories(g, e.iri)
        return not _holds_toys(g.label(e.iri)) and not any(
            _holds_toys(str(g.path(c) or g.label(c))) for c in cats)

    def walk_links(self) -> None:
        """Each linked entity: its walk (:meth:`add`), its role, its facets (a brand, colour or
        size filter, or a boost) and, for a category, the filter it may set (``cat_links``) or
        its DOWN boost."""
        linked, places = self.linked, self.places
        for ent, ent_places in zip(linked, places, strict=True):
            self.walk_link(ent, ent_places)

    def walk_link(self, ent: LinkedEntity, ent_places: Sequence[tuple[int, int]]) -> None:
        """A linked entity (unless a namesake: what the products are free of, a bare letter, a
        place of origin): its walk and the candidates kept (:meth:`add`; none for an excluded
        node or a feature), its role (:meth:`link_role`), its facets (:meth:`link_facets`)
        and, for a category, its filter or DOWN boost (:meth:`category_link`)."""
        add, cfg, cross, featured = self.add, self.cfg, self.cross, self.featured
        fits_elsewhere, fitted, free_from = self.fits_elsewhere, self.fitted, self.free_from
        g, namesakes, read_out, spans = self.g, self.namesakes, self.read_out, self.spans
        store_trees, toy_device = self.store_trees, self.toy_device
        if ent.iri in free_from:
            namesakes.add(ent.iri)
            return  # "tea no caffeine": what the tea is free of, no brand "caffeine" to
            #         demote (the excluded words are ``free_from``)
        if ent.iri in read_out.bare:
            namesakes.add(ent.iri)
            return  # "refrigerator not w", "tv not xl": one letter, a letter size without
            #         "size", names nothing to demote (:func:`_too_bare`)
        if g.kind(ent.iri) == "brand" and _an_origin(ent.mention or ""):
            namesakes.add(ent.iri)
            return  # "made in china": where the product is made, no brand to filter on,
            #         boost or exclude (a name list's brand "Made In China")
        base = max(min(ent.score, 1.0), 1e-3)
        cands, ent_facets = _entity_walk(g, ent.iri, cfg.walk, cfg.typo_distance)
        span = spans[ent.iri]
        role = self.link_role(ent, span)
        if ent.iri in fitted or role == "fits":  # the device an accessory is for, its
            cands = _accessories(cands)  # maker: only their accessory categories
        if store_trees and g.kind(ent.iri) == "category" and cross(ent.iri) \
                and _taxonomy(ent.iri) not in store_trees:
            # another taxonomy's category beside a trusted intent in the store's tree: the
            # store's tree has the concept (the intent's category is walked below); that
            # category's neighbours, brands and values are another shop's ("nintendo switch
            # games" -> Google's Games: Bingo Sets; "top load washer" -> Google's hardware
            # Washers: Rivets), only its own names expand
            cands = tuple(c for c in cands if c.kind in ("synonym", "alias"))
        if toy_device(ent):
            cands = ()  # "toy microwave": no Countertop Microwaves, LG, Amana
        if ent.iri in fits_elsewhere:  # "toner for face": no Printer Ink, HP
            cands = tuple(c for c in cands if c.kind in ("synonym", "alias"))
        if role != "negated" and ent.iri not in featured:
            add(cands, base)  # (an excluded node adds nothing: "phone not samsung"; nor does
            #                  a feature of the product searched: "baby monitor with camera")
        role = self.link_facets(ent, ent_places, ent_facets, span, role)
        self.category_link(ent, role, base)

    def link_role(self, ent: LinkedEntity, span: tuple[int, int] | None) -> str | None:
        """The linked entity's role: ``negated`` (excluded), a brand's role (hedged, an
        alternative..., :func:`_brand_role`), ``fits`` (a brand named as the device an accessory
        is for, or a third party's), None (a filter)."""
        alt_words, cfg, g = self.alt_words, self.cfg, self.g
        linked, makes_the_device, negated = self.linked, self.makes_the_device, self.negated
        no_accessory, no_device, others = self.no_accessory, self.no_device, self.others
        party, searched_spans, spans = self.party, self.searched_spans, self.spans
        words = self.words
        role = "negated" if ent.iri in negated else (
            _brand_role(words, _outer(words, span, g.label(ent.iri)), others[ent.iri])
            or _hedged(words, span) if g.kind(ent.iri) == "brand" else None)
        if role is None and g.kind(ent.iri) == "brand" and party == "third":
            role = "fits"  # "smartwatch bands fitbit third party": not made by Fitbit
        if role is None and g.kind(ent.iri) == "brand" and party != "first" \
                and makes_the_device(ent.iri, span):
            read, read_no_device = self.accessory_words(span)
            if _names_a_device_it_fits(read, span, searched_spans, read_no_device,
                                       no_accessory):
                role = "fits"  # "samsung galaxy s21 case": Samsung makes few of its cases;
                #                "privacy screen samsung note 10 plus": a linked accessory
        if role is None and g.kind(ent.iri) == "brand" and party != "first" \
                and makes_the_device(ent.iri) and not _accessory_maker(g, ent.iri) \
                and not {"brand", "brands"} & set(words) and (
                    # "samsung case", "apple chargers", "google accessories": only accessory
                    # words beside the brand, accessories the KG does not read it the maker of
                    ((reading := _accessory_reading(words, span, searched_spans, no_device,
                                                    no_accessory))[0] and not reading[1]
                     and not _makes_the_accessory(g, ent.iri, reading[0]))
                    # "samsung zagg": an accessory maker names the product, and the brand that
                    # makes devices the device it fits
                    # (not on two sides of an alternative, "fitbit vs garmin", "lg or dynex
                    # tv": the KG's sells_in edges of a device maker can be accessories only;
                    # an "or" elsewhere, "samsung zagg black or white", parts nothing)
                    or any(o.iri != ent.iri and o.iri not in negated
                           and g.kind(o.iri) == "brand" and _accessory_maker(g, o.iri)
                           and (_read_as_brand(o.label)
                                or o.score >= cfg.brand_filter_min_link)
                           and not _on_other_sides(alt_words, span, spans.get(o.iri))
                           for o in linked)):
            role = "fits"
        return role

    def link_facets(
        self, ent: LinkedEntity, ent_places: Sequence[tuple[int, int]],
        ent_facets: Sequence[tuple[str, str]], span: tuple[int, int] | None, role: str | None,
    ) -> str | None:
        """The filter values the linked entity sets (brand, colour, size): each a filter, a boost
        (excluded: DOWN; a soft signal: UP) or nothing; its role as the brand rules leave it."""
        alt_words, alternatives, brand_roles = self.alt_words, self.alternatives, self.brand_roles
        brand_spans, cfg, compared, cross = self.brand_spans, self.cfg, self.compared, self.cross
        facets, g, lines, link_boosts = self.facets, self.g, self.lines, self.link_boosts
        linked, named, negated, places = self.linked, self.named, self.negated, self.places
        read_out, side_names = self.read_out, self.side_names
        sold_where_searched, spans = self.sold_where_searched, self.spans
        unknown_brand_at, words = self.unknown_brand_at, self.words
        for field_, value in ent_facets:
            if field_ == "size" and _bare_number(value):
                continue  # "galaxy watch 4", "razer blade 15": a model, a count or another
                #           dimension as much as a size: no size filter, nor boost
            if role == "negated" and field_ == "colour" and span is not None and all(
                    _in_a_name(g, words, (place[1] - 1, place[1])) for place in ent_places):
                continue  # an excluded colour word opening a KG name ("not coffee table",
                #           "not white noise machine"): that name's word, no colour excluded
            if role == "negated" and field_ == "colour" and ent.iri in read_out.food_colours:
                continue  # a word of the food's name the query excludes ("not green tea
                #           flavored"): no colour the products are not of
            if role == "negated" and field_ != "brand":  # "phone case not black"
                link_boosts.append(Boost(f"{field_}:{value}", -cfg.brand_boost,
                                         f"link:{ent.iri} (negated)"))
                continue
            if field_ == "colour" and ent.label is not None \
                    and ent.label.lower() not in _COLOUR_LABELS:
                continue  # a colour value linked from a word the tagger did not read as a
                #           colour ("soft" in "cinnamon candy balls soft"): no colour filter
            if field_ == "colour" and span is not None and unknown_brand_at and all(
                    _opens_an_unknown_brand(words, place, unknown_brand_at)
                    for place in ent_places or [span]):
                # the colour word opens a brand's name the KG does not know, the tagger
                # reading the words right after it as a brand's ("white rodgers thermostat":
                # White-Rodgers): a word of that name, not the product's colour; a soft
                # signal at most
                link_boosts.append(Boost(f"colour:{value}", cfg.brand_boost,
                                         f"link:{ent.iri} (in a name)"))
                continue
            if field_ == "colour" and span is not None and all(
                    _in_a_name(g, words, place) for place in ent_places):
                # the colour word opens a KG name with the words after it ("white noise
                # machine", "blue microphones yeti", "coffee table"): a word of that thing's
                # name, not its colour; a soft signal at most
                link_boosts.append(Boost(f"colour:{value}", cfg.brand_boost,
                                         f"link:{ent.iri} (in a name)"))
                continue
            if field_ == "colour" and not _names_a_colour(value):
                # a pattern, finish or theme the KG lists as a colour ("striped" -> "strip",
                # "floral", "dark" in "dark wash jeans"): a filter on it would remove every
                # product whose colour facet names its colour; a soft signal only, and the
                # colour it holds, where the KG has that colour, the filter ("striped blue"
                # -> Blue, "matte white" -> White)
                link_boosts.append(Boost(f"colour:{value}", cfg.brand_boost,
                                         f"link:{ent.iri} (not a colour)"))
                held = _colour_held(g, value)
                if held is not None:
                    facets["colour"].append((held, f"link:{ent.iri} (its colour)"))
                continue
            things = [e.iri for e in linked if e.iri not in negated
                      and g.kind(e.iri) in ("category", "product_type")] \
                if field_ == "colour" else []
            if field_ == "colour" and _a_scent_or_flavour(value, words, bool(things) and all(
                    _food_category(g, t) or _care_category(g, t) for t in things)):
                # a colour word that names a scent or flavour too, on a consumable ("lavender
                # body wash", "peach tea", "lavender dryer sheets"): a soft signal only
                link_boosts.append(Boost(f"colour:{value}", cfg.brand_boost,
                                         f"link:{ent.iri} (a scent or flavour)"))
                continue
            if field_ == "colour" and _a_consumable_colour(
                    g, words, ent_places or ([span] if span else []), [
                        sp for e, sps in zip(linked, places, strict=True)
                        if g.kind(e.iri) == "attribute_value"
                        and str(g.g.nodes[e.iri].get("attribute") or "").lower()
                        in _COLOUR_LABELS for sp in sps], things,
                    [sp for e, sps in zip(linked, places, strict=True)
                     if g.kind(e.iri) in ("brand", "product") for sp in sps]):
                # a food's colour ("brown sugar", "pink lemonade", "red apples") or a care
                # product's ("crest 3d white toothpaste"): its variety, flavour or line, no
                # colour facet of the product; a soft signal only
                link_boosts.append(Boost(f"colour:{value}", cfg.brand_boost,
                                         f"link:{ent.iri} (a consumable)"))
                continue
            if field_ == "colour" and _a_fuel(g, things):
                # a fuel's colour ("blue rhino propane"): a fuel has no colour facet; the
                # colour word opens its maker's name (Blue Rhino); a soft signal only
                link_boosts.append(Boost(f"colour:{value}", cfg.brand_boost,
                                         f"link:{ent.iri} (a fuel)"))
                continue
            if field_ == "colour" and (ent_places or span) and all(_a_media_title(
                    g, words, place, [(e.iri, sps) for e, sps in zip(linked, places, strict=True)
                                      if e.iri not in negated and e.iri != ent.iri])
                    for place in ent_places or [span]):
                # a colour word of a media item's title ("men in black dvd", "abba gold
                # vinyl", "pretty in pink blu ray"): media are sold by title, not colour; a
                # soft signal only
                link_boosts.append(Boost(f"colour:{value}", cfg.brand_boost,
                                         f"link:{ent.iri} (a title)"))
                continue
            if field_ == "colour" and (specs := {_a_spec_colour(
                    g, words, value, place, things, [
                        (e.iri, sp) for e, sps in zip(linked, places, strict=True)
                        if e.iri not in negated and g.kind(e.iri) == "brand" for sp in sps])
                    for place in ent_places or ([span] if span else [])}) \
                    and None not in specs:
                # a colour that names a spec: a keyboard switch's type ("mechanical keyboard
                # brown switches"), a power supply's efficiency rating ("1000w psu 80+
                # gold"), a drive line ("wd blue 1tb ssd"): a filter would remove almost every
                # product searched; a soft signal only
                link_boosts.append(Boost(f"colour:{value}", cfg.brand_boost,
                                         f"link:{ent.iri} ({min(specs)})"))
                continue
            if field_ == "size" and ent.label is not None \
                    and ent.label.lower() not in _SIZE_LABELS and not (
                        ent.label.lower() == "shape" and normalize_key(value) in _BED_SIZES):
                continue  # a size value linked from a word the tagger did not read as a size
                #           ("double" [shape] in "double stroller", "free weights", "standard
                #           toothbrush", "handheld" [modifier]): no size filter; but a bed
                #           size read as a shape, as QueryNER's annotators tag "king" ("king
                #           duvet"), is one
            if field_ == "size" and set(normalize_key(value).split()) <= named:
                continue
            if field_ == "size" and span is not None and span[0] > 0 \
                    and words[span[0] - 1] in BED_SIZE_PREFIXES \
                    and normalize_key(value) in ("king", "queen"):
                continue  # "california king", "split king": another bed size (the patterns
                #           read it beside bedding, "California King"), no King
            if field_ == "size" and all(_a_stray_letter_size(value, words, place, any(
                    _all_under(g, e.iri, _APPAREL_PATH) for e in linked if e.iri not in negated
                    and g.kind(e.iri) in ("category", "product_type")))
                                        for place in ent_places or [span]):
                continue  # "tv m", "curtains for l", "king size b": a letter that begins a
                #           word or names a model or a shape, no size: no filter, nor boost
            if field_ == "size" and all(_a_garment_size(value, words, place)
                                        for place in ent_places or [span]):
                # a garment size of no clothing ("large breed dog food", "small vacuum"):
                # most products have no such size facet; a soft signal only
                link_boosts.append(Boost(f"size:{value}", cfg.brand_boost,
                                         f"link:{ent.iri} (not clothing)"))
                continue
            if field_ == "brand":
                value, sold_in, _ = _brand_facts(g, ent.iri)
                alternative = _an_alternative(alt_words, span, brand_spans, [
                    sp for sp, owners in lines if brand_key(value) not in owners])
                if alternative is None and compared and span is not None and any(
                        side_names(side, "brand")
                        for side in _alternative_sides(alt_words, span)[0]):
                    alternative = True  # the other side's brand links nothing: no filter on
                    #                     one side only ("dell laptop vs hp laptop")
                if role is None and not _read_as_brand(ent.label) \
                        and ent.score < cfg.brand_filter_min_link and alternative is None:
                    role = "unsure"  # "galaxy" [product_name] -> a car-cover brand "Galaxy"
                if role is None and any(not cross(c) for c in sold_in) \
                        and _names_a_thing_beside(g, words, span, sold_in, [
                            (e.iri, sp) for e in linked if e.iri not in negated
                            and g.kind(e.iri) in ("category", "product_type")
                            and (sp := spans[e.iri]) is not None]):
                    role = "unsure"  # "apple juice": the fruit's (Apples, beside Juice in
                    #                  Food), in a department where Apple sells nothing
                if role is None and alternative:
                    role = "alternative"  # "iphone or samsung phone": Samsung or an iPhone
                if role is None and any(not cross(c) for c in sold_in) \
                        and not sold_where_searched(span, sold_in):
                    role = "other department"  # "apple sauce", "sharp cheddar cheese": a
                    #                            namesake, or another product of the brand's
                if role is None and any(not cross(c) for c in sold_in):  # the KG sells it
                    facets["brand"].append((value, f"link:{ent.iri}"))
                    if alternative is False and span is not None:
                        sides = _alternative_sides(words, span)[0]
                        alternatives[ent.iri] = [o.iri for o in linked if o.iri != ent.iri and (
                            osp := spans[o.iri]) is not None and g.kind(o.iri) == "brand"
                            and any(osp[0] < hi and lo < osp[1] for lo, hi in sides)]
                    brand_roles[ent.iri] = None
                else:
                    brand_roles[ent.iri] = role or "ungrounded"
                    weight = -cfg.brand_boost if role == "negated" else cfg.brand_boost
                    link_boosts.append(Boost(f"brand:{value}", weight,
                                             f"link:{ent.iri} ({role or 'ungrounded'})"))
                continue
            facets[field_].append((value, f"link:{ent.iri}"))
        return role

    def category_link(self, ent: LinkedEntity, role: str | None, base: float) -> None:
        """A linked category: excluded, a DOWN boost (unless a namesake); else a suggestion and
        the filter it may set in the trusted department (``cat_links``)."""
        about, cat_links, cfg, dept = self.about, self.cat_links, self.cfg, self.dept
        depts, featured, fits_elsewhere = self.depts, self.featured, self.fits_elsewhere
        fitted, follows_device, g = self.fitted, self.follows_device, self.g
        hard_dept, intent, link_boosts = self.hard_dept, self.intent, self.link_boosts
        linked, linked_cats, lvl1 = self.linked, self.linked_cats, self.lvl1
        namesakes, negated, query_words = self.namesakes, self.negated, self.query_words
        suggestions = self.suggestions
        if g.kind(ent.iri) == "category" and role == "negated":  # "laptop not gaming"
            if _holds_the_searched(g, ent.iri, {
                    (c, _words(e.mention or g.label(e.iri))) for e in linked
                    if e.iri not in negated | featured | fitted
                    and g.kind(e.iri) in ("category", "product_type")
                    for c in _own_categories(g, e.iri)}, _words(ent.mention or "")):
                namesakes.add(ent.iri)
                return  # ("sofa not sectional" -> Sofas & Sectionals: every sofa demoted;
                #          the words are excluded, the ``excluded`` runs, no node of them)
            if about and dept(ent.iri) not in about:
                namesakes.add(ent.iri)
                return  # (a namesake in another department: see ``about``)
            if depts is not None and not about and _a_namesake_beside(g, ent.iri, [
                    e.iri for e in linked_cats if e.iri not in negated]):
                namesakes.add(ent.iri)
                return  # ("cat food without fish" -> Fish Food, where no cat food is)
            link_boosts.append(Boost(f"category:{g.path(ent.iri) or g.label(ent.iri)}",
                                     -cfg.brand_boost, f"link:{ent.iri} (negated)"))
        elif g.kind(ent.iri) == "category":
            path = str(g.path(ent.iri) or g.label(ent.iri))
            # the filter a link may set: none for the device an accessory is for; for a link
            # by a name with words the query lacks (the linker's subset match: "color
            # printer" -> Color Laser Printers), narrower than what is searched, the nearest
            # category above it on its path that the query's words name (All Printers), else
            # none (a word of its department's name narrows nothing: "phone headset" -> Cell
            # Phone Headsets, in Cell Phones)
            target: str | None = ent.iri if ent.iri not in fitted | featured | fits_elsewhere \
                else None
            mention = list(word_order(normalize_key(ent.mention or "")))
            said = query_words | _words(dept(ent.iri) or "")  # (mention None: not known)
            if target is not None and mention and _names_it(
                    g, ent.iri, mention, mention[-1], said) is False:
                target = _named_ancestor(g, ent.iri, mention[-1], said)
            # a filter only in the trusted department, and only where the link and the intent
            # agree on the lvl1 category (``agrees``): "iphone case" links iPhone, but its
            # intent (Cell Phone Accessories) says the phones are not what is searched, so the
            # department is the filter (an intent that follows a device word does not judge:
            # "tv remote control")
            in_dept = target is not None and hard_dept is not None and intent is not None \
                and dept(target) == hard_dept
            agrees = in_dept and intent is not None \
                and (lvl1(target) == intent.category or follows_device
                     or ent.iri in self.named_accessories)
            cat_links.append((ent, target if in_dept else None, agrees))
            suggestions.append(CategorySuggestion(path, round(base, 6), f"link:{ent.iri}"))

    def link_filters(self) -> None:
        """The links' filters settled: brand alternatives (boosts), the one category filter
        (``picked``, at its depth or relocated), joined colours."""
        alt_words, alternatives, below_dept = self.alt_words, self.alternatives, self.below_dept
        brand_roles, cat_links, cfg = self.brand_roles, self.cat_links, self.cfg
        commas, dept, facets, featured = self.commas, self.dept, self.facets, self.featured
        g, hard_dept, intent, link_boosts = self.g, self.hard_dept, self.intent, self.link_boosts
        linked, lvl1, negated, one_side = self.linked, self.lvl1, self.negated, self.one_side
        p1, places, spans, toy_at, words = self.p1, self.places, self.spans, self.toy_at, self.words
        # two brands the query offers as alternatives filter only together ("samsung or lg tv"):
        # where the other is no filter ("samsung tv or tcl": TCL, a brand the KG sells nothing
        # under, is a boost), a filter on one would drop the other's products; an excluded brand
        # is no alternative ("samsung or lg but not sony")
        for iri, others_ in alternatives.items():
            if any(brand_roles.get(o, "ungrounded") not in (None, "negated") for o in others_):
                value = next(v for v, src in facets["brand"] if src == f"link:{iri}")
                facets["brand"] = [(v, src) for v, src in facets["brand"] if src != f"link:{iri}"]
                link_boosts.append(Boost(f"brand:{value}", cfg.brand_boost,
                                         f"link:{iri} (alternative)"))
        # one category filter value (an engine ANDs fields, so two values of one query would be
        # an alternative, not what it asks): the linked category (or the category above it that
        # the query names) the intent agrees with; when the query names two in the department
        # ("laptop or tablet", "pizza ovens toaster ovens"), the category that holds both, else
        # the department (below). Every linked category is a suggestion (the filter's dropped).
        # One the intent does not agree with is a second category named only when the query
        # joins it to another ("laptop or tablet": the intent names one of the two) or when the
        # tagger read it as a product searched (a head label) and the intent gives its lvl1
        # category some probability ("heater air conditioner combo": Heaters); else the intent
        # says it is not what is searched ("galaxy case": the phones; "roku tv": Roku, a modifier)
        cat_spans = [spans[e.iri] for e, t, _ in cat_links if t is not None]
        cat_links = [(e, t if t is None or a or any(
            _joined(words, commas, spans[e.iri], o) for o in cat_spans) or (
                (e.label is None or e.label in HEAD_LABELS)
                and p1.get(lvl1(t) or "", 0.0) >= 0.05) else None, a)
            for e, t, a in cat_links]
        # a category one side of an alternative names, that no other side's product is in, holds
        # one side only: no filter ("difference between laptop and tablet", "laptop" linking
        # nothing; "apple watch or fitbit": Apple's line beside another brand): the department
        products_at = [(e.iri, sp) for e in linked if e.iri not in negated and (
            sp := spans[e.iri]) is not None and g.kind(e.iri) in ("category", "product_type",
                                                                 "product")]

        # (the sides of a comparison as the category filter reads them: "compared to" a "vs" too)
        vs_words = _compared_to(alt_words)
        versus = any(w in _ALTERNATIVES for w in vs_words)
        self.products_at, self.versus, self.vs_words = products_at, versus, vs_words

        cat_links = [(e, None if t is not None and one_side(e) else t, a) for e, t, a in cat_links]

        # both sides of a comparison are searched ("macbook vs xps", "chromecast vs roku", "ipad or
        # surface"): a filter holds what each side names, else the department (:func:`_both_sides`)
        if versus and any(t is not None for _, t, _ in cat_links):
            targets = {e.iri: t for e, t, _ in cat_links}
            place_of = {e.iri: at for e, at in zip(linked, places, strict=True)}
            brands = grounded_brands(g.g)
            cat_links = [(e, _both_sides(g, e, t, vs_words, place_of, products_at, targets,
                                         below_dept, lambda w: brand_key(w) in brands), a)
                         for e, t, a in cat_links]
        # a toy version of a device ("toy microwave", "pretend washer and dryer for kids", "toy
        # blender"): the device's category, or its department, is no filter (the real device's
        # products are not what is searched), unless it holds toys ("toy drone": Toys, Games &
        # Drones; the intent's "Video Games > Toys to Life"): the linked category that names the
        # device right after the toy words, and the department a word there names a category of
        # (:func:`_toy_version`, ``toy_at`` above)
        if toy_at is not None:
            cat_links = [(e, None if t is not None and not _holds_toys(str(g.path(t) or g.label(t)))
                          and (sp := spans[e.iri]) is not None and sp[0] == toy_at else t, a)
                         for e, t, a in cat_links]
        toy_dept = toy_at is not None and hard_dept is not None and intent is not None \
            and not _holds_toys(hard_dept) and not _holds_toys(intent.category) \
            and any(dept(c) == hard_dept for w in _words(words[toy_at])
                    for c in _word_categories(g).get(w, ()))
        picked = _category_filter(g, cat_links, words, below_dept)
        # (at the depth where the KG's products named so are: "iphone 6 cases" filters iPhone
        # Cases & Clips, iPhone 6 Cases an UP boost; :mod:`fusion.expand.depth`)
        picked, lifted = filter_depth(g, picked, below_dept, cfg.filter_min_share, cfg.brand_boost)
        if lifted is not None:
            link_boosts.append(lifted)
        # (a linked accessory category the intent does not agree with, whose products the store
        # files under the intent's category: that category, the link an UP boost; "galaxy s6
        # screen protector": Screen Protectors, not Samsung Galaxy Screen Protectors' department;
        # :func:`fusion.expand.depth.relocated`)
        if picked is None and hard_dept is not None and intent is not None \
                and cfg.filter_min_share > 0:
            for e, _t, _a in cat_links:
                if e.iri in negated or e.iri in featured or dept(e.iri) != hard_dept:
                    continue
                home = relocated(g, e.iri, below_dept, lambda c: lvl1(c) == intent.category)
                if home is not None:
                    picked = (str(g.path(home) or g.label(home)), f"link:{e.iri}")
                    link_boosts.append(Boost(f"category:{g.path(e.iri) or g.label(e.iri)}",
                                             cfg.brand_boost, f"link:{e.iri} (filed elsewhere)"))
                    break
        if picked is not None:
            facets["category"].append(picked)
        # colours the query joins ("black and white sneakers") that the KG names as one colour
        # ("Black/White"): that colour is the filter, each of them an UP boost
        combined, joined_boosts = _combined_colours(g, facets["colour"], spans, words, cfg)
        facets["colour"] = combined
        link_boosts += joined_boosts
        self.link_boosts, self.toy_dept = link_boosts, toy_dept

    def one_side(self, e: LinkedEntity) -> bool:
        brand_spans, g, products_at = self.brand_spans, self.g, self.products_at
        side_names, spans, versus = self.side_names, self.spans, self.versus
        vs_words = self.vs_words
        span = spans[e.iri]
        if not versus or span is None:
            return False
        sides, _ = _alternative_sides(vs_words, span)
        line = bool(_comparison_owners(g, e.iri))  # (Apple Watch: Apple's)
        own = _words(e.mention or "") | _words(g.label(e.iri))
        up = set(_path_up(g, e.iri)) - {e.iri}
        # (a category above it on another side holds both: "samsung tablet vs ipad", Tablets)
        return any(any(iri in up and lo < b and a < hi for iri, (a, b) in products_at)
                   for lo, hi in sides) or any(
            not any(iri != e.iri and lo < b and a < hi for iri, (a, b) in products_at)
            and (side_names((lo, hi), "category", own) or (line and (side_names(
                (lo, hi), "brand") or any(lo < b and a < hi for a, b in brand_spans))))
            for lo, hi in sides)

    def below_dept(self, c: str) -> bool:
        """Whether category ``c`` is below the trusted department (a finer filter)."""
        dept, g, hard_dept, lvl1 = self.dept, self.g, self.hard_dept, self.lvl1
        return dept(c) == hard_dept and (SEP in (lvl1(c) or "") or any(
            normalize_key(p) == normalize_key(hard_dept or "")
            for p in str(g.path(c) or "").split(">")[:-1]))

    def intent_category(self) -> None:
        """The intent's category: walked when trusted, the department filter, the intent's
        suggestions."""
        add, brand_roles, cfg, dept = self.add, self.brand_roles, self.cfg, self.dept
        excluded_runs, facets, featured = self.excluded_runs, self.facets, self.featured
        fits_elsewhere, fitted = self.fits_elsewhere, self.fitted
        follows_device, g, generations = self.follows_device, self.g, self.generations
        hard_dept, intent, linked = self.hard_dept, self.intent, self.linked
        linked_cats, linked_product, model = self.linked_cats, self.linked_product, self.model
        namesakes, negated, new_platforms = self.namesakes, self.negated, self.new_platforms
        outside, p1, part_named, platforms = self.outside, self.p1, self.part_named, self.platforms
        product_heads, searched_platform = self.product_heads, self.searched_platform
        spans, suggestions, taxonomy, text = self.spans, self.suggestions, self.taxonomy, self.text
        th, toy_at, toy_dept, unlinkable = self.th, self.toy_at, self.toy_dept, self.unlinkable
        words = self.words
        if intent is not None:
            # (a product the query searches that the department has no namesake of, linked
            # outside it: the department is a suggestion, :func:`_named_elsewhere`, and the
            # intent's category no walk: "milk" links Google's Milk, the intent's Small Kitchen
            # Appliances would expand into Coffee, Tea & Espresso and Kitchen Gadgets)
            # (or a query that links nothing, sets no other filter, "40 inch", and names a product
            # by a word only other departments' categories are headed by: "puppy food",
            # :func:`_headed_elsewhere`)
            # (a frozenset: the label space's own where it holds the intent's labels, the
            # same each parse, whose departments' lvl1 labels are read once: _lvl1_names)
            space = taxonomy.labels if taxonomy is not None else frozenset()
            own_labels = space if space.issuperset(p1) else space | frozenset(p1)
            trees = lambda: _label_trees(g, taxonomy, dept)  # noqa: E731
            # (or a query that names nothing of the department: no link placed there, no content
            # word of the names it holds, "tealight candles" at Appliances, :func:`_unknown_to`)
            elsewhere = bool(fits_elsewhere) or (hard_dept is not None and not facets[
                "category"] and not _remembered(intent) and not searched_platform
                and (_unknown_to(g, linked, words, hard_dept, dept, negated | featured | namesakes,
                                 _department_words(g, taxonomy, dept), own_labels, trees)
                     or _named_elsewhere(
                g, linked, words, spans, hard_dept, dept, negated | featured | namesakes,
                negated | featured | fitted | namesakes, own_labels, trees) or (
                not any(facets.values()) and _headed_elsewhere(
                    g, linked, words, hard_dept, dept, negated | featured | namesakes, own_labels,
                    trees))))
            cat = intent.category_iri or g.category_by_path(intent.category)
            # (a platform the KG lacks, or a family's bare word where the intent reads one of its
            # platforms: the platforms' home is walked instead, :func:`_platform_home`)
            home, also = _platform_home(g, text, cat, platforms,
                                        new_platforms if searched_platform else frozenset(),
                                        generations)
            if home is not None and home not in {e.iri for e in linked} and (
                    searched_platform or (intent.score >= th.intent and not outside)):
                add(_category_walk(g, home, cfg.walk, fanout=True), max(intent.score, 1e-3))
                cat = cat if also else None
            model_walk = bool(model) and (not linked_product or "fits" in brand_roles.values()) \
                and not product_heads & _name_heads(intent.category.split(SEP)[-1])
            # (nor is it walked where the product the query searches lies outside the intent's
            # department, as the department filter judges it, ``elsewhere``, a department below
            # the hard filter's threshold too: "dog food no chicken" at Appliances 0.71 links
            # Google's Dog Food, and expands no Coffee, Tea & Espresso, Insignia)
            # (nor where the query asks a toy version of a device, "toy blender": the intent's
            # Small Kitchen Appliances would expand into Specialty Appliances, Insignia; unless its
            # category holds toys, :func:`_holds_toys`)
            if cat is not None and cat in g.g and cat not in {e.iri for e in linked} \
                    and cat not in unlinkable and intent.score >= th.intent and not outside \
                    and not elsewhere and intent.lvl0_score >= cfg.walk_min_department_prob \
                    and (toy_at is None or _holds_toys(intent.category)) and not part_named \
                    and not (hard_dept is None and not _remembered(intent) and (_named_elsewhere(
                        g, linked, words, spans, intent.lvl0, dept, negated | featured | namesakes,
                        negated | featured | fitted | namesakes, own_labels, trees) or (
                        not any(facets.values()) and _headed_elsewhere(
                            g, linked, words, intent.lvl0, dept, negated | featured | namesakes,
                            own_labels, trees)))) \
                    and (not model_walk or intent.score >= max(th.intent, th.hard_filter)) \
                    and not _names_a_part(g, dept, cat, [
                        w for i, w in enumerate(words)
                        if not any(a <= i < b for a, b in excluded_runs)], {
                        e.iri for e in linked_cats if e.iri not in negated}):
                # (nor where the query searches a part of the intent's device and names no such
                # device: "i7 processor", "8gb ram" at Laptops expand no All Laptops, MacBooks)
                walked = _category_walk(g, cat, cfg.walk, fanout=True)
                if self.searched_elsewhere(cat):
                    # (a product the query links in another lvl1 category than the intent's,
                    # "ice maker" -> Ice Makers at Small Kitchen Appliances: the intent's
                    # category is no kind of it, its children, siblings and brands other
                    # products: no Toasters, Coffee, Tea & Espresso)
                    walked = tuple(c for c in walked if c.kind not in (
                        "child_category", "sibling_category", "brand"))
                elif not platforms and not generations and (said := _another_product_named(
                        g, words, self.no_device, cat)) is not None:
                    # (a kind of product under the intent's category that the query names and
                    # the category's path does not: "air fryer" at Small Kitchen Appliances
                    # expands no Coffee, Tea & Espresso, Toasters; Deep Fryers and the brands
                    # stay; a platform's or a model's query is judged by their own rules)
                    walked = tuple(c for c in walked if c.kind != "sibling_category" and (
                        c.kind != "child_category" or c.iri is None
                        or _holds_the_named(g, c.iri, said)))
                if model_walk:  # (a model: one product, its intent's siblings other families)
                    walked = tuple(c for c in walked if c.kind != "sibling_category")
                add(_accessories(walked) if follows_device else walked, max(intent.score, 1e-3))
            if hard_dept is not None and not facets["category"] and not elsewhere and not toy_dept:
                # (a linked category in the department is the finer filter: every one above is
                # in it; its KG path may be written from another root than the department's
                # label, "Connected Home & Housewares > Office Electronics > ...", so the two are
                # not compared as strings: one field, one form per query)
                # (where the intent's own department is trusted and its lvl1 category is as
                # sure, ``lvl1_filter``, that category is the filter: "tv lcd" at TVs 0.97
                # filters TVs, not all of TV & Home Theater)
                facets["category"].append((self.intent_lvl1_filter() or hard_dept, "intent"))
            hard = {v for v, _ in facets["category"]}
            for lab, p in intent.top_k or ((intent.category, intent.score),):
                if lab not in hard and p >= 0.05:
                    suggestions.append(CategorySuggestion(lab, round(p, 6), "intent"))
            if hard_dept is None or elsewhere or (toy_dept and not facets["category"]) or (
                    self.named_accessories and hard_dept != intent.lvl0):
                # (a department that is no filter never weighs as one: its score is capped below
                # ``hard_filter``, where the query is outside the KG or the intent model's depth,
                # "spoons for baby self feeding" at Appliances 0.98, or searches a product linked
                # elsewhere, "milk" at 0.86, or a toy version of its device, "toy blender":
                # :func:`_below`; nor one a device's accessory the query names elsewhere
                # took the place of, "camera charger" at Cell Phones 0.62)
                suggestions.append(CategorySuggestion(
                    intent.lvl0, _below(intent.lvl0_score, th.hard_filter), "intent-department"))

    def intent_lvl1_filter(self) -> str | None:
        """The intent's lvl1 category where it is the hard filter in its department's place:
        the department trusted on the intent's own probability (not a platform's or an
        accessory's), the lvl1 probability at ``thresholds.lvl1_filter`` or over, and the
        category a node of the KG; else None."""
        intent, th = self.intent, self.th
        if intent is None or th.lvl1_filter is None or self.outside \
                or self.hard_dept != intent.lvl0 or intent.lvl0_score < th.hard_filter \
                or intent.score < th.lvl1_filter or SEP not in intent.category:
            return None
        cat = intent.category_iri or self.g.category_by_path(intent.category)
        return intent.category if cat is not None and cat in self.g.g else None

    def searched_elsewhere(self, cat: str) -> bool:
        """Whether the query links a product it searches (no excluded, featured, fitted or
        namesake link) in a lvl1 category other than the intent category ``cat``'s, and not
        above it: what the query names is no kind of the intent's category."""
        g, intent, lvl1 = self.g, self.intent, self.lvl1
        if intent is None or _an_accessory_path(intent.category):
            return False  # (an accessory intent beside a linked device is the device's
            #               accessories: "iphone blue case" at Cell Phone Accessories)
        out = self.negated | self.featured | self.fitted | self.fits_elsewhere | self.namesakes
        above = set(_path_up(g, cat))
        for e in self.linked_cats:
            if e.iri in out or e.iri in above or e.iri == cat:
                continue
            if lvl1(e.iri) not in (None, intent.category) \
                    and self.dept(e.iri) == intent.lvl0:
                return True
        return False

    def apply_rules(self) -> None:
        """The rules applied (not as written where the query excludes their input), their
        synonyms and boosts (none the query excludes), the rewritten query."""
        excluded, excludes, g, negated = self.excluded, self.excludes, self.g, self.negated
        query, rules, scored = self.query, self.rules, self.scored
        rule_res = None
        rule_boosts: list[Boost] = []
        out_rules: set[str] = set()  # applied rules whose effect the query's exclusions drop
        in_names: set[str] = set()  # applied synonyms of a word of a longer name the query says
        if rules is not None:
            rule_set = rules.current() if isinstance(rules, RulesFile) else rules
            # (a rule whose input the query excludes is not applied as written: "not refurbished")
            rule_res = rule_set.apply(query, excluded=excluded)
            # (nor is a rule's synonym the query excludes: "headphones not earbuds" is no query
            # for earbuds, whatever "headphones => SYNONYM earbuds" says)
            key_of = _term_keys(g)
            negated_names = {key_of(g.label(iri)) for iri in negated}
            self.key_of, self.negated_names = key_of, negated_names
            for syn in rule_res.synonyms:
                if excludes(syn.term):
                    out_rules.add(str(syn.rule))
                    continue
                if _a_word_of_a_name(g, self.words, syn.rule.input):
                    # (a word of a longer name the query says, no word of its own: "tv" of
                    # "fire tv stick", Amazon's Fire TV; no synonym, alone or in its place)
                    in_names.add(str(syn.rule))
                    continue
                term = syn.term
                in_place = _modifies_a_product(g, self.words, syn.rule.input, self.no_device,
                                               self.fitted_spans())
                if in_place is not None:
                    # (the word names the device another product is for: "apple tv remote",
                    # "laptop fan"; its synonym alone, "television", matches every TV: the
                    # query's words with the synonym in its place, "apple television remote")
                    out, last = [], 0
                    for a, b in in_place:
                        out += [*self.words[last:a], syn.term]
                        last = b
                    term = " ".join([*out, *self.words[last:]])
                c = _Cand(term, "synonym", (), None, None, False, str(syn.rule))
                scored.append((min(syn.weight, 1.0), c))
            # (nor is a rule's UP on a word the query excludes: "phone not samsung" with "phone
            # => UP: samsung"; one on a field's value the query excludes is dropped below)
            rule_boosts = [Boost(b.term, b.weight, str(b.rule)) for b in rule_res.boosts]
            out_rules |= {b.rule for b in rule_boosts
                          if b.weight > 0 and ":" not in b.term and excludes(b.term)}
            rule_boosts = [b for b in rule_boosts if b.rule not in out_rules]
        rewritten = rule_res.query if rule_res is not None else query
        self.out_rules, self.rewritten, self.rule_boosts = out_rules, rewritten, rule_boosts
        self.in_names = in_names
        self.rule_res = rule_res

    def fitted_spans(self) -> list[tuple[int, int]]:
        """The places of the linked devices an accessory searched is for (``fitted``)."""
        return [sp for iri in self.fitted if (sp := self.spans.get(iri)) is not None]

    def excludes(self, term: str) -> bool:
        """Whether the query excludes ``term``: it names a negated mention or its words
        are in one ("not notebook"), or a cue is before them ("not earbuds")."""
        key_of, linked, negated = self.key_of, self.linked, self.negated
        negated_names, spans, words = self.negated_names, self.spans, self.words
        sp = _find_mention(words, term)
        if sp is None:
            return key_of(term) in negated_names
        within = {e.iri: (o := spans[e.iri]) is not None and o[0] <= sp[0] and sp[1] <= o[1]
                  for e in linked}
        return key_of(term) in negated_names or any(
            within[iri] for iri in negated) or _negated(words, sp, _NEGATIONS, [
                o for e in linked if (o := spans[e.iri]) is not None and not within[e.iri]])

    def sizes_and_filters(self) -> None:
        """The sizes the patterns read (filters; excluded ones and hints boosts), the rules'
        filters, and no filter or UP boost on a value the query excludes."""
        cfg, commas, excluded = self.cfg, self.commas, self.excluded
        excluded_runs, facets, g = self.excluded_runs, self.facets, self.g
        link_boosts, linked, out_rules = self.link_boosts, self.linked, self.out_rules
        query, read_at, rule_boosts = self.query, self.read_at, self.rule_boosts
        rule_res, text, words = self.rule_res, self.text, self.words
        # (the price bounds and sizes the patterns read in ``text``: above)
        read = [size.value for size in read_at]
        # a size the link sets with a number: only where the patterns read that number as the
        # product's size ("case for 16 inch macbook pro" links "16 inch", the size of the device
        # the case fits, which the patterns read as no size, like "tv stand for 65 inch tv")
        facets["size"] = [(v, src) for v, src in facets["size"]
                          if not src.startswith("link:") or _size_read(v, read)]
        # a size the query excludes is a DOWN boost ("not 65 inch"), and so is every size of a
        # list it excludes ("without 64gb or 128gb", "not 55 or 65 inch")
        if read_at:  # (the words the sizes are judged in: most queries read no size)
            text_words = words if text == query else _query_words(text)
            text_commas = commas if text == query else _commas(text)
            text_others = [sp for e in linked
                           if (sp := _find_mention(text_words, e.mention or g.label(e.iri)))]
        items: dict[int, bool] = {}  # the end (a word position) of each size read: excluded?
        out_sizes: list[str] = []
        for v, found, end in read_at:
            out = excluded(text, found, _VALUE_NEGATIONS) or _joined_to_excluded(
                text_words, len(_query_words(text[:found])), text_commas, items,
                _VALUE_NEGATIONS, text_others)
            items[len(_query_words(text[:end]))] = out
            if not out:
                facets["size"].append((v, "pattern"))
                continue
            out_sizes.append(v)
            if not any(b.weight < 0 and b.term.casefold() == f"size:{v}".casefold()
                         for b in link_boosts):  # (once: "not 16 inch" may be linked too)
                link_boosts.append(Boost(f"size:{v}", -cfg.brand_boost, PATTERN_NEGATED))
        # a size that is no filter, a hint only ("nike running shoes uk 9": "UK 9", "jeans 32x30":
        # "32x30"; fusion.patterns.size_hints): an UP boost, a DOWN one where the query excludes it
        for v, found, _end in size_hints(text):
            out = excluded(text, found, _VALUE_NEGATIONS)
            term = f"size:{v}"
            if not any(b.term.casefold() == term.casefold() for b in link_boosts):
                link_boosts.append(Boost(term, -cfg.brand_boost if out else cfg.brand_boost,
                                         PATTERN_NEGATED if out else PATTERN_HINT))
        # (a size linked as one item of such a list, the list's cue before another item, is none)
        facets["size"] = [(v, src) for v, src in facets["size"]
                          if not (src.startswith("link:") and v[:1].isdigit()
                                  and _size_read(v, out_sizes))]
        other: list[tuple[str, str]] = []
        for f in rule_res.filters if rule_res is not None else []:
            fld, _, val = f.term.partition(":")
            fld = {"color": "colour"}.get(fld.strip().lower(), fld.strip().lower())
            if fld in facets:
                facets[fld].append((val.strip(), f"rule:{f.rule}"))
            else:
                other.append((f.term, f"rule:{f.rule}"))
        for f in rule_res.negated_filters if rule_res is not None else []:
            # a FILTER the query excludes ("not refurbished laptop"): a DOWN boost, as a link's
            fld, _, val = f.term.partition(":")
            fld = {"color": "colour"}.get(fld.strip().lower(), fld.strip().lower())
            term = f"{fld}:{val.strip()}" if fld in facets else f.term
            rule_boosts.append(Boost(term, -cfg.brand_boost, str(f.rule)))
            # its value after "non", which no run holds ("non refurbished laptop": "non" makes
            # no run, as it makes compounds, "non stick"), is excluded words too
            sp = _find_mention(words, val.strip())
            if sp is not None and _negated(words, sp, _NEGATIONS) and not any(
                    a < sp[1] and sp[0] < b for a, b in excluded_runs):
                excluded_runs.append(sp)
        # a value the query excludes ("samsung tv not samsung", "55 inch tv not 55 inch", "otter
        # box iphone case not otterbox": two brand nodes, one sold name) is no filter: an engine
        # cannot AND a filter with its exclusion, and the exclusion wins (its DOWN boost stays);
        # nor does a rule's UP on it apply ("laptop not dell" with "laptop => UP(20): brand:Dell"
        # would promote the brand the user ruled out, as a rule's synonym the query excludes),
        # nor any other UP on it (a second node of its name, "(fits)" or "(ungrounded)")
        out_values = {_value_key(b.term) for b in [*link_boosts, *rule_boosts]
                      if b.weight < 0 and (b.rule == PATTERN_NEGATED
                                           or (b.rule or "").endswith("(negated)"))}
        if out_values:
            out_rules |= {src.removeprefix("rule:") for fld in facets for v, src in facets[fld]
                          if (fld, _fold_value(v)) in out_values}
            out_rules |= {src.removeprefix("rule:") for t, src in other
                          if _value_key(t) in out_values}
            out_rules |= {b.rule or "" for b in rule_boosts
                          if b.weight >= 0 and _value_key(b.term) in out_values}
            for fld in facets:
                facets[fld] = [(v, src) for v, src in facets[fld]
                               if (fld, _fold_value(v)) not in out_values]
            other = [(t, src) for t, src in other if _value_key(t) not in out_values]
            link_boosts, rule_boosts = ([b for b in boosts if b.weight < 0
                                         or _value_key(b.term) not in out_values]
                                        for boosts in (link_boosts, rule_boosts))
        self.link_boosts, self.other, self.out_rules = link_boosts, other, out_rules
        self.rule_boosts = rule_boosts

    def walked_devices(self) -> frozenset[str]:
        """The linked devices an accessory searched is for (``fitted``) that the query names
        after a fits word ("for tv", "fits iphone"), and the intent's category where the
        intent follows such a device (``follows_device``), when the query links a product
        searched besides them (``searched``); else none. (A device before the product, "video
        games gaming laptops", "iphone screen protectors", keeps its walk's place: the
        store files many such products under the device, Video Games > PC Gaming.)"""
        fitted, g, intent, searched = self.fitted, self.g, self.intent, self.searched
        spans, words = self.spans, self.words
        if not fitted or not searched:
            return frozenset()
        out = set()
        for iri in fitted:
            sp = spans.get(iri)
            if sp is None:
                continue
            at = _back_over_fillers(words, sp[0] - 1)
            if words[sp[0]] in _FITS or (at >= 0 and words[at] in _FITS):
                out.add(iri)
        if not out:
            return frozenset()
        if self.follows_device and intent is not None:
            cat = intent.category_iri or g.category_by_path(intent.category)
            if cat is not None and cat in g.g:
                out.add(cat)
        return frozenset(out)

    def device_category(self, c: _Cand, devices: Collection[str]) -> bool:
        """Whether the candidate ``c`` is a category of one of ``devices``: one of them, or
        one under one of them on its path (Outdoor TVs & Accessories under TVs; not TV & Home
        Theater Accessories, beside TVs, nor iPhone Accessories, beside the phones)."""
        if c.kind not in _CATEGORY_KINDS or c.iri is None:
            return False
        return c.iri in devices or bool(set(_path_up(self.g, c.iri)[1:]) & set(devices))

    def rank(self) -> None:
        """The expansions: one per name (no respelling, no excluded kind or words, no
        contradicting brand), ranked within the per-kind limits, none naming a hard category
        filter."""
        brand_roles, cfg, cross = self.brand_roles, self.cfg, self.cross
        excluded_words, facets, g, heads = self.excluded_words, self.facets, self.g, self.heads
        limit, linked, negated, query = self.limit, self.linked, self.negated, self.query
        rewritten, scored = self.rewritten, self.scored
        # one entry per name (its best kind), never a respelling of the query or a linked name
        term_key = _term_keys(g)
        texts = {normalize_key(rewritten), normalize_key(query)}
        banned = {compact_key(t) for t in texts}
        banned |= {term_key(g.label(e.iri)) for e in linked}
        # a name that only respells some of the query's words ("wooden" -> the alias "Wooden" of
        # Wood): no rewrite; a category of that name still is (it names a node: "headphones" in
        # "sony headphones" -> the category Headphones). Read when a candidate of another kind
        # asks (most queries have none left to ask)
        respelt: list[set[str]] = []

        def respells(key: str) -> bool:
            """Whether ``key`` is a run of the query's words, respelt."""
            if not respelt:
                respelt.append({k for t in texts for k in compact_runs(t, _MAX_BANNED_WORDS)})
            return key in respelt[0]

        # a brand filter (a linked brand, a rule's FILTER) makes other brands contradictions
        brand_filtered = bool(facets["brand"])
        # a brand the query names as the maker of what it searches, a filter or not (a boost: the
        # KG sells nothing under it, "ryobi"; an alternative): another brand contradicts it
        # (not one the store sells nothing under whose name is another brand's product family:
        # "galaxy", a car-cover brand, and Samsung Galaxy; the family's makers stay, the other
        # brands do not: :func:`_family_owners`)
        families = {iri: owners for iri, role in brand_roles.items() if role == "ungrounded"
                    and (owners := _family_owners(g, iri, cross))}
        brand_named = any(role in (None, "alternative") or (
            role == "ungrounded" and iri not in families) for iri, role in brand_roles.items())
        family_makers = frozenset().union(*families.values())
        brand_values = {_fold_value(v) for v, _ in facets["brand"]}
        # the kinds of thing the query excludes ("pc headset without microphone": microphones):
        # no category of that kind is an expansion, whichever node names it ("Computer Microphones")
        # (not a kind the query searches too: "tv not smart tv" still expands TVs)

        excluded_heads = heads(negated)  # (none but where the query excludes a link)
        if excluded_heads:
            excluded_heads -= heads([e.iri for e in linked if e.iri not in negated])
        # a hard category filter (the trusted department's, or a category in it; not a rule's):
        # a category of the label space outside that department matches no filtered document,
        # so no expansion names one ("nintendo switch tablet": Video Games filtered, the console
        # the platform names, and the link Tablets walked into iPad, All Tablets, Laptops)
        hard_dept = self.hard_dept if facets["category"] and not any(
            src.startswith("rule:") for _, src in facets["category"]) else None
        # (nor, where the intent's lvl1 category is the filter, one of another lvl1 category:
        # "tv lcd" filtered on TVs expands no TV Mounts)
        hard_lvl1 = next((v for v, src in facets["category"] if src == "intent" and SEP in v),
                         None) if hard_dept is not None else None
        best: dict[str, tuple[float, _Cand]] = {}
        for w, c in scored:
            if hard_dept is not None and c.rule is None and c.kind in _CATEGORY_KINDS \
                    and c.iri is not None and not cross(c.iri) \
                    and (self.dept(c.iri) not in (None, hard_dept) or (
                        hard_lvl1 is not None and self.lvl1(c.iri) not in (None, hard_lvl1))):
                continue
            key = term_key(c.term)
            if not key or (c.rule is None and (key in banned or (
                    c.kind not in _CATEGORY_KINDS and respells(key)))):
                continue
            if excluded_heads and c.rule is None and c.kind in _CATEGORY_KINDS \
                    and _name_heads(c.term) & excluded_heads:
                continue
            if any(run <= _run_words(c.term) for run in excluded_words):
                continue  # "tv not 4k": no "4K Ultra HD TVs"; "headphones not wireless": no
                #           "Wireless Headphones" (a rule's synonym neither: it is no less said)
            if c.kind == "brand" and c.rule is None and (brand_filtered or brand_named or (
                    family_makers and brand_key(c.term) not in family_makers)):
                continue  # "samsung tv" filtered on Samsung: LG or Sony would only be removed;
                #           "ryobi battery charger" (Ryobi a boost): no Uniross
            if c.kind == "alias" and c.rule is None and c.iri is not None \
                    and g.kind(c.iri) == "brand" \
                    and _fold_value(_brand_facts(g, c.iri)[0]) in brand_values:
                continue  # another name of a filtered brand: every filtered document is its
            kept = best.get(key)
            if kept is None or kept[0] < w:
                best[key] = (w, c)
        ordered = sorted(best.values(), key=lambda x: (-x[0], x[1].kind, x[1].term))
        # the categories of a device the query says, after a fits word, its product fits
        # (``fitted``, and the intent's category where the intent follows that device: "best
        # surge protector for tv" at TVs) come after the others: Outdoor TVs & Accessories, a
        # category of TVs, led Surge Protectors & Power (the device's link and intent outweigh
        # the product's); its accessory categories beside it keep their places
        devices = self.walked_devices()
        if devices:
            ordered.sort(key=lambda x: self.device_category(x[1], devices))
        per_kind: Counter[str] = Counter()
        ranked: list[Expansion] = []
        for w, c in ordered:
            if c.rule is None and per_kind[c.kind] >= cfg.limits[c.kind]:
                continue
            per_kind[c.kind] += 1
            ranked.append(Expansion(c.term, c.kind, round(w, 6), c.provenance, c.iri, c.rule))
            if limit is not None and len(ranked) >= limit:
                break
        # an expansion naming a hard category filter's value ("ring light for iphone": the filter
        # Cell Phones, and Cell Phones as the parent of iPhone) adds a should clause that every
        # filtered document matches: dropped (no other expansion takes its place)
        filtered = {_fold_value(v) for v, _ in facets["category"]}
        if filtered:
            ranked = [x for x in ranked if x.rule is not None or not (
                _fold_value(x.term) in filtered
                or (x.iri is not None and _fold_value(g.path(x.iri) or "") in filtered))]
        self.ranked, self.term_key = ranked, term_key

    def heads(self, iris: Collection[str]) -> frozenset[str]:
        g = self.g
        return frozenset().union(*(_name_heads(g.label(iri)) for iri in iris
                                   if g.kind(iri) in ("category", "product_type")))

    def result(self) -> ExpansionResult:
        """The filters with their sources, the suggestions and boosts: the result."""
        excluded_runs, facets, link_boosts = self.excluded_runs, self.facets, self.link_boosts
        namesakes, negated_at, no_cues = self.namesakes, self.negated_at, self.no_cues
        other, out_rules, price_max = self.other, self.out_rules, self.price_max
        price_min, query, ranked = self.price_min, self.query, self.ranked
        rewritten, rule_boosts, rule_res = self.rewritten, self.rule_boosts, self.rule_res
        suggestions, term_key, uniq, words = self.suggestions, self.term_key, self.uniq, self.words
        sources: list[FilterSource] = []
        seen: set[tuple[str, str]] = set()
        for fld, values in [*facets.items(), ("other", other)]:
            for v, src in values:
                if (fld, _fold_value(v)) not in seen:
                    seen.add((fld, _fold_value(v)))
                    sources.append(FilterSource(fld, v, src))
        if price_min is not None:
            sources.append(FilterSource("price_min", f"{price_min:g}", "pattern"))
        if price_max is not None:
            sources.append(FilterSource("price_max", f"{price_max:g}", "pattern"))
        filters = Filters(brand=uniq(facets["brand"]), category=uniq(facets["category"]),
                          colour=uniq(facets["colour"]), size=uniq(facets["size"]),
                          price_min=price_min, price_max=price_max, other=uniq(other))
        hard_cats = set(filters.category)
        suggestions = list({s.category: s for s in reversed(suggestions)
                            if s.category not in hard_cats}.values())[::-1]
        boosts = _one_per_value(link_boosts + rule_boosts)
        return ExpansionResult(
            expansions=ranked,
            filters=filters,
            query=rewritten,
            boosts=boosts,
            applied=_as_used(rule_res.applied, ranked, boosts, sources, out_rules, term_key,
                             self.in_names) if rule_res else [],
            suggestions=suggestions,
            filter_sources=sources,
            # (the words an engine leaves out: the same as the expansions are kept from)
            excluded=[replace(x, iri=None) if x.iri in namesakes else x
                      for x in _excluded_texts(query, words, excluded_runs, negated_at, no_cues)],
        )

    def uniq(self, xs: list[tuple[str, str]]) -> tuple[str, ...]:
        # one value per case-folded value, the first's spelling (a link's is the KG's):
        # "1TB 1tb ssd" is one size, a rule's "brand:samsung" no second Samsung
        out: dict[str, str] = {}
        for v, _ in xs:
            out.setdefault(_fold_value(v), v)
        return tuple(out.values())


def expand(
    kg: Any,
    linked: Sequence[LinkedEntity],
    intent: Intent | None = None,
    *,
    query: str = "",
    rules: RuleSet | RulesFile | None = None,
    config: ExpansionConfig | None = None,
    thresholds: Thresholds | None = None,
    embeddings: Any = None,
    departments: Collection[str] | TaxonomyAlignment | None = None,
    limit: int | None = None,
    outside: bool | None = None,
    no_cues: Collection[tuple[int, int]] = (),
    unknown_brands: Collection[tuple[int, int]] = (),
) -> ExpansionResult:
    """Expand a query's linked entities (and its intent category) through the KG and rules.

    Args:
        kg: ``kg.ProductGraph`` or networkx graph.
        linked: the query's linked entities (their ``score`` scales their expansions).
        intent: the predicted intent: its distribution ranks and gates the expansions, its
            category is expanded (scaled by its probability) and filtered on when trusted.
        query: the query text (for price/size patterns, which read it NFKC-normalised, and
            rules, and to tell a query outside the KG: :func:`kg.link.outside_kg`).
        rules: a :class:`RuleSet` or a :class:`RulesFile` (re-read when edited).
        config: :class:`ExpansionConfig` (weights, per-kind limits, relevance mix).
        thresholds: :class:`Thresholds` (when a category becomes a hard filter).
        embeddings: GNN node embeddings (``fusion.gnn.NodeEmbeddings``) for the similarity
            term; without them it is neutral.
        departments: the intent label space's departments (a category in none is
            cross-taxonomy), as names or as a :class:`fusion.context.TaxonomyAlignment` (which
            also places categories whose path re-roots or skips levels of the label space);
            None: every taxonomy counts as the intent's.
        limit: keep only the best ``limit`` expansions (None: all kept by the per-kind limits).
        outside: whether the query is outside the KG (:func:`kg.link.outside_kg`), when the
            caller has judged it already; None: judged here from ``query`` (not judged when
            ``query`` is empty).
        no_cues: spans of ``query`` (code-point offsets) where the caller reads a negation
            cue as a word of a name ("feathers" of the title "woody allen without feathers",
            tagged so; "touch" after the "no" opening "no touch thermometer"): a run a cue
            excludes that starts in one is no :attr:`ExpansionResult.excluded` words (the
            expansion still keeps its words out of the expansions' names).
        unknown_brands: spans of ``query`` (code-point offsets) the tagger reads as a brand's
            name (``creator``, ``brand``) that link nothing in the KG: a colour word right
            before one opens that brand's name, no filter (:func:`_opens_an_unknown_brand`).

    Returns:
        An :class:`ExpansionResult`; expansions ranked by score, one per name.
    """
    expansion = _Expansion(
        kg, linked, intent, query=query, rules=rules, config=config, thresholds=thresholds,
        embeddings=embeddings, departments=departments, limit=limit, outside=outside,
        no_cues=no_cues, unknown_brands=unknown_brands,
    )
    expansion.links_and_intent()
    expansion.words_and_exclusions()
    expansion.devices_and_values()
    expansion.fan_out_bounds()
    expansion.link_context()
    expansion.walk_links()
    expansion.link_filters()
    expansion.intent_category()
    expansion.apply_rules()
    expansion.sizes_and_filters()
    expansion.rank()
    return expansion.result()


class QueryExpander:
    """:func:`expand` bound to a KG, an (optional, hot-reloaded) rules file, the expansion
    settings, the confidence thresholds and (optionally) GNN node embeddings.

    Example:
        >>> import networkx as nx
        >>> g = nx.MultiDiGraph()
        >>> g.add_node("b", kind="brand", label="Samsung")
        >>> g.add_node("c", kind="category", label="TVs", path="TV > TVs")
        >>> _ = g.add_edge("b", "c", relation="sells_in")
        >>> QueryExpander(g).expand("samsung", entities=[("samsung", "creator", "b")]).filters.brand
        ('Samsung',)
        >>> QueryExpander(g).expand("tv not samsung", entities=[("samsung", "creator", "b")]
        ...                         ).boosts
        [Boost(term='brand:Samsung', weight=-10.0, rule='link:b (negated)')]
    """

    def __init__(
        self, kg: Any, *, rules: str | Path | RuleSet | RulesFile | None = None,
        config: ExpansionConfig | None = None, thresholds: Thresholds | None = None,
        embeddings: Any = None,
        departments: Collection[str] | TaxonomyAlignment | None = None,
    ) -> None:
        self.kg = kg
        self.rules: RuleSet | RulesFile | None = (
            RulesFile(rules) if isinstance(rules, str | Path) else rules
        )
        self.config = config or ExpansionConfig()
        self.thresholds = thresholds or Thresholds()
        self.embeddings = embeddings
        self.departments = departments

    def expand(
        self,
        query: str,
        *,
        entities: Sequence[tuple[str, str, str | None]] = (),
        linked: Sequence[LinkedEntity] = (),
        intent: Intent | None = None,
        limit: int | None = None,
        embeddings: Any = None,
        departments: Collection[str] | TaxonomyAlignment | None = None,
        outside: bool | None = None,
        no_cues: Collection[tuple[int, int]] = (),
        unknown_brands: Collection[tuple[int, int]] = (),
    ) -> ExpansionResult:
        """Expand ``query``; ``entities`` are parser spans ``(text, label, kg iri or None)``;
        ``limit`` keeps the best expansions only; ``embeddings`` / ``departments`` override
        the bound ones (the parser passes its fusion model's); ``outside``, ``no_cues`` and
        ``unknown_brands``: see :func:`expand`."""
        g = as_networkx(self.kg)
        ents = list(linked)
        for text, label, iri in entities:
            if iri and iri in g and g.nodes[iri].get("kind"):
                ents.append(LinkedEntity(iri, g.nodes[iri]["kind"], 1.0, label, text))
        return expand(
            self.kg, ents, intent, query=query, rules=self.rules, config=self.config,
            thresholds=self.thresholds,
            embeddings=embeddings if embeddings is not None else self.embeddings,
            departments=departments if departments is not None else self.departments,
            limit=limit, outside=outside, no_cues=no_cues, unknown_brands=unknown_brands,
        )
