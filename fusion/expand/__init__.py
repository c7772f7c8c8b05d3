"""Query expansion from the KG (+ the rule layer), each rewrite with the KG path that produced it.

:func:`expand` takes the query's linked entities and (optionally) its predicted intent and
returns :class:`Expansion` s ranked by a relevance score, never by IRI:

============== ========================================================================
kind           KG path (provenance)
============== ========================================================================
synonym        ``(node, synonym, other)`` either direction; or a ``SYNONYM`` rule
alias          ``(node, alias, "text")`` (a name stored on the node)
child_category ``(child, parent, category)``
parent_category ``(category, parent, parent)``
sibling_category ``(category, parent, p), (sibling, parent, p)``
category       ``(brand, sells_in, category)`` (what a brand-only query is about),
               ``(type, type_in, category)``, ``(product, in_category, category)``,
               ``(product, has_value, value), (product, in_category, category)``
brand          ``(brand, sells_in, category)``, ``(product, has_brand, brand)``
attribute_value ``(product, in_category, category), (product, has_value, value)``
============== ========================================================================

Ranking (:class:`ExpansionConfig`): ``score = kind weight x link score x relevance``, where
relevance mixes the agreement of the expansion's category with the intent distribution, the
GNN similarity of the expanded node to the linked nodes, and the node's popularity (how much of
the KG points at it). Each kind keeps its best ``limits[kind]``.

Policies (what a search engine can trust):

- *No fan-out into unrelated departments.* Categories reached by fan-out (a brand's
  ``sells_in``, an attribute value's products, a product type, the intent's neighbourhood) are
  kept only inside the departments the query is about: those of the linked categories and those
  the intent gives at least ``min_department_prob``; brands and attribute values found through a
  category follow their category. With neither (no intent, no linked category) a fan-out keeps
  only its single most popular category. The intent's own category is expanded only when the
  intent is confident (``thresholds.intent``).
- *Tree walks stay in their department.* A category's parent, siblings and children are kept
  only inside its own department (in the label space, see
  :class:`fusion.context.TaxonomyAlignment`): no store root, no other departments offered as
  the "siblings" of a department.
- *Platforms.* A query that names a console platform family (line words read from the KG:
  sibling platforms with their own Consoles/Games categories: xbox; playstation/ps/psp;
  nintendo; wii) expands to no category of another family ("red dead redemption 2 xbox
  one": no Wii U, Nintendo 3DS); platform-neutral categories (Video Games, Toys to Life,
  Video Game Accessories) stay; nor to another generation of a line the query names ("ps5
  console": no PS4 Consoles). Platforms the KG's tree lacks (PS5, Xbox Series X/S, Nintendo
  Switch, Steam Deck) are one documented list, ``fusion.expand.words._NEW_PLATFORMS``, each
  mapped to the KG family it continues: a query that searches one (not after "for": "tv for
  ps5") filters the platform families' department (Video Games) whatever the intent says,
  and expands that department's neutral categories and the family's own platforms instead of
  the intent's older-generation or other-department category. A family's bare word ("xbox",
  "playstation") expands the family's platforms, not one generation's children; a category
  linked by a word of a game's title before the platform word ("elden ring ps5" -> rings)
  expands nothing.
- *Devices, not accessories.* Where the intent reads accessories but the query searches a
  device of the department (its last word, numbers aside, heads a category of the
  department outside its accessories; no accessory or fits word), the fan-out's accessory
  categories are dropped and the intent's own category stays ("lg phone": no Cell Phone
  Cases & Clips, Screen Protectors, Car Chargers).
- *Parts, not their devices.* A linked category whose mention names the intent's category by
  a word before its last one ("laptop memory" links Laptop Memory; the intent Laptops follows
  "laptop"), filed outside it in the KG and in its department, is the product searched: it
  is the filter, and the intent's category is not walked ("gaming laptop", headed by the
  intent's word, is unchanged). A head category searched "for" another taxonomy's category
  whose tree holds a same-named category for the head ("toner for face": Google's Health &
  Beauty holds Toners) is a namesake: no filter, department filter or fan-out of its own.
- *Cross-taxonomy* categories (whose top level is not one of the intent label space's
  ``departments``, e.g. Google or Flipkart categories next to the Best Buy tree) are never
  reached by fan-out; they appear only as the tree neighbours of a category the query links.
- *Names, not spellings.* No case-, spacing- or punctuation-only variants of the query or of a
  linked name, and no typo aliases (within a small edit distance of the node's name): those
  are for matching, not rewrites. Each name appears once (its best kind). No alias of a
  brand filtered on (every filtered document is the brand's), and no brand alias that names
  a page of the brand, its name and a category's or a store page's words ("Dell Computers",
  "Dyson Brand Store").
- *Non-linkable categories* (``kgqp:linkable false``: promotions, content pages) are never
  expanded to.
- *Nodes, not IRIs.* An edge to an IRI that is no node of the KG (no kind: a misspelt IRI,
  which the commit logs as a warning) is never followed, and a node without a name is never an
  expansion: no IRI is ever an expansion term.
- *Hard filters vs suggestions* (:class:`Thresholds`): a category is a hard filter only when
  the intent's department probability reaches ``thresholds.hard_filter`` (calibrated under
  cross-validation for a target precision, :mod:`fusion.cv`) and, for a linked category, when it
  lies in that department under the intent's own lvl1 category ("iphone case" links iPhone,
  whose phones hold no case: the department is the filter). Where the intent's own department
  is that filter and its lvl1 probability reaches ``thresholds.lvl1_filter`` (calibrated for
  the same precision against the gold lvl1, on the queries whose filter is the department:
  :func:`fusion.cv.department_filtered`), its lvl1 category is the filter instead ("tv lcd":
  TVs), and no category expansion of the label space lies outside it; one category value
  (fields are ANDed by an engine, the values of a field ORed): for two categories the query
  names ("laptop or tablet", "pizza ovens toaster ovens"), the nearest category above both
  below the department (Toaster & Pizza Ovens), else the department; everything else is a
  :class:`CategorySuggestion`. A linked category that names the device an accessory is for
  (another product right after it: "tv remote control", "tv battery", "macbook headset"; or
  after a fits word: "soundbar for 55 inch tv") is no filter, unless its path holds that
  product ("xbox one controller": Xbox One Controllers), and of its expansions (and those of
  its maker, "samsung tv battery", and of an intent that only follows the device word, TVs
  for "tv cable") only its accessory categories are kept; an intent that follows the device
  word does not judge the lvl1 category of the product searched, which may then be the
  filter ("tv remote control": Remote Controls). A linked category the query names whole as
  the accessory of the device it says, after a fits word, it fits ("battery for camera":
  Camera Batteries; :func:`kg.link.fitted_name`), in the intent's department and lvl1
  category, makes that department trusted below ``hard_filter``: it is the filter. So does,
  where the intent's department is below ``hard_filter`` (whichever department it reads), a
  linked accessory category the query names with the device it is for, a device of the
  category's own department: the first part of its name is device words and an accessory
  word, the mention ends with that word, the query says the device words, one of them heads
  a category of that department with no accessory on its path, and the intent gives the
  category's lvl1 label 0.05 or more ("camera charger", "charger for camera" at Cell Phones
  0.53-0.62: Camera Chargers & Adapters, Digital Cameras the device; "charger for ipad":
  iPad Chargers & Sync Cables; not "subwoofer cables", Audio's subwoofers being Subwoofer
  Speakers, nor "tripod mounts", Tripods lying under Digital Camera Accessories); its
  department is trusted, the link the filter, and the intent's department an
  ``intent-department`` suggestion where it differs. Where a
  device follows a fits word and a product is searched, the device's own categories (it,
  those under it, the intent's category where the intent follows it) rank after the other
  expansions ("best surge protector for tv": no Outdoor TVs & Accessories first); its
  accessory categories beside it keep their places. A category linked by a name with words the
  query lacks (the linker's ``subset`` match: "color printer" -> Color Laser Printers; the
  words of its department's name aside) is narrower than the query: the filter is the
  nearest category above it on its path that the query's words name (All Printers; its
  source is still ``link:<iri>`` of the linked category), else the department. A linked
  category the KG files few of the products it names in is narrower than the store too: the
  filter climbs its path while its subtree holds less than ``filter_min_share`` (0.3) of the
  department's KG products named as it (every content word of its name in the product's
  name), or none at all, or 5 fewer than a category outside it ("screen protector
  for iphone 7": the generic Screen Protectors), to the department when it climbs that far,
  and the linked category is an UP boost ``category:<path>`` (``link:<iri> (below the
  filter)``): "iphone 6 cases" filters iPhone Cases & Clips, "iphone se" and "iphone 6s" the
  department (:mod:`fusion.expand.depth`). A department the KG holds no product under keeps
  the linked filter. A linked category of accessories the intent does not agree with (no
  filter of its own: the department was) whose KG products named so the store files, 0.8
  of them or more, in a category under the intent's lvl1 category gives that category as
  the filter, the link an UP boost (``link:<iri> (filed elsewhere)``): "galaxy s6 screen
  protector" links Samsung Galaxy Screen Protectors and filters Screen Protectors. A device
  the KG holds accessories for ("Fire TV Accessories" under Fire TV) followed by a mention
  tagged as a product type of another category is no filter either ("fire tv games"). A
  mention after "with" is a feature of the product searched ("baby monitor with camera"): no filter
  no fan-out of its own, and no department it keeps: a peripheral or accessory too ("record
  player with speakers", "drum set with headphones", "ps4 with controller"; the brand rules
  read one on their own: "samsung tv with stand" makes Samsung an UP boost).
  No expansion names a hard category filter's value (every filtered document matches it),
  nor, beside a filter that is no rule's, a category of the label space outside the trusted
  department (it matches no filtered document: "nintendo switch tablet" filtered Video Games,
  the platform's, and expanded the link Tablets into iPad, All Tablets, Laptops).
  Nor is an expansion a brand or category the KG knows from one product's listing alone
  (``walk._one_listing``: a marketplace seller's name or shelf, "mario gotze", "dumdaarcom
  tops"), a sibling of another kind in another shop's tree (``walk._names_the_linked``:
  Underwear & Socks beside Shorts), or the intent category's other children where the query
  links a product of another lvl1 category ("ice maker": no Toasters) or names a kind under it
  ("air fryer": Deep Fryers only); a rule's synonym of a word that, everywhere the query says
  it, names the device another product is for (inside a linked device an accessory fits,
  after a fits word, or right before an accessory word or the head noun of a KG category's
  name: ``walk._modifies_a_product``) comes in its place in the query's words ("apple tv
  remote" -> "apple television remote", "laptop fan" -> "notebook fan"). A rule's input that
  is a word of a longer KG name the query says gets no synonym, alone or in place
  (``walk._a_word_of_a_name``: the input ends a part of the name in the singular and the
  query says the name's next word: "fire tv stick", Fire TV; "apple tv remote", AppleCare
  for Apple TV; "tv home", TV & Home Theater; not "smart tv", Smart TVs being a plural kind,
  nor "tv stand"); the rule is marked ``in a name``. A store category filed under several
  parents, one named by its words or aliases, has no siblings under the others that share no
  word with it (``walk._category_walk``: Virtual Reality Headsets under Wearable Technology:
  no Apple Watch, Pet Tracking Devices).
  The department is no filter either (an ``intent-department`` suggestion) where the product
  the query searches links a category outside it that it has no namesake of: the intent
  picks among namesakes ("keyboards": Musical Instruments' Keyboards, Computers & Tablets'
  Computer Keyboards), it does not overrule a name its department lacks ("coffee table"
  links Coffee Tables, Appliances at 0.83 holds no table; "waffle blanket" links Google's
  Blankets); a link in the department, or a category of the store's tree or of a branch of
  another catalogue the label space places some of (Google's Electronics: "television"),
  unless the nearest branch above the category below its catalogue's top level lies, as far
  as the label space places it, in other departments ("keyboard stand": Google's Musical
  Keyboard Stands, Hobbies & Creative Arts in Musical Instruments; a namesake of such a
  category holds the mention's other words its name holds: no "keyboard stand" among
  Computers & Tablets' stands),
  a linked brand a lvl1 label of the department names ("bissell upright vacuums": Name
  Brands > BISSELL), or a word before the searched mention heading a category of the
  department ("laptop cooler": Laptops) keeps it (:func:`_named_elsewhere`). So is a query
  that links nothing and names its product by a last word only other departments'
  categories are headed by ("puppy food", "peanut butter": :func:`_headed_elsewhere`; one
  such category only where another word names its branch: "garden planters", Google's Lawn &
  Garden > ... > Pots & Planters; the product named before "with" and a compound of the
  last two words count: "keyboard piano with stand", "piano keyboard stand"). A searched
  set ("5 piece dining set", "tool set": set, kit, combo, bundle) is judged by the word
  before it too: the department's namesake is a set sharing that word or a category that
  word heads ("cookware set": Cookware, Bakeware & Cutlery; Appliances' Fondue Sets hold no
  dining sets). Nor is a department the query names nothing of: no link placed in it, no
  content word a word of a name it holds (``departments._unknown_to``,
  ``kgview._department_words``; "tealight candles" at Appliances), nor a word it knows only
  in other things' names where another catalogue names the thing whole
  (``departments._named_whole_elsewhere``: "white beans", "suave conditioner"); one-word
  queries, and those with no word the KG knows, are not judged.
  Where the department is no filter so, the intent's category is no walk either ("milk"
  expands into no kitchen appliances), and an ``intent-department`` suggestion never
  scores at or over ``hard_filter`` (capped below it: a query outside the KG or the intent
  model's depth, "spoons for baby self feeding" at Appliances 0.98, or such a product
  elsewhere). Neither rule judges a query the intent
  model was trained on (its query memory holds it: :func:`_remembered`): where the store's
  own searchers of it went ("cookies" at Best Buy: Appliances) no link overrules.
- *Brand filters* only for a linked brand the query asks for and the store sells (a
  ``sells_in`` category or a product's category in the label space); otherwise a
  :class:`Boost` (source ``link:<iri> (why)``): DOWN for an excluded brand ("phone not
  samsung", "phone not from samsung"), UP for the device an accessory fits ("case for
  samsung", or a device maker on an accessory query: "samsung galaxy s21 case", "dell laptop
  battery", "hp printer ink"; an accessory, part or consumable word: case, cover, charger,
  cable, mount, stand, battery, remote, keyboard, mouse, lens, ink, toner, cartridge,
  filter, refill, replacement, controller ...; not one after "with" or "without": "samsung tv
  with remote" filters on Samsung, nor one that names a kind of the product searched,
  "kitchenaid stand mixer"; a last word typed short or misspelt counts as the word:
  "samsung galaxy s21 cse"; the device is a word that names one, not a number, "hp 63 ink",
  a feature, "logitech wireless mouse", nor a linked colour, size or other brand; with no
  device word, "samsung case", "apple chargers", "google accessories", where the KG's
  products of that accessory naming the brand are mostly another brand's, not "samsung
  charger" whose are Samsung's; and beside an accessory maker, a brand the KG sells in
  accessory categories only, which is the filter: "samsung zagg"; a linked accessory category
  of the store's tree, its name or its parent's on its path an accessory's, counts as the
  accessory word, "privacy screen samsung note 10 plus"; and a brand the KG sells only
  accessories of makes the device where a KG category named by the brand and a word of the
  query is no accessory's, "amazon kindle fire case": Amazon Fire), for one
  side of an alternative whose other side is no brand or another brand's product line
  ("samsung phone or iphone"; two brands filter together or not at all: "samsung tv or
  tcl"), for a brand the store does not sell, and for one whose word names a KG category of
  the department of a category linked next to it, where the brand sells nothing ("apple
  juice": Apples and Juice are Food's; ``unsure``), and for one beside a product the store
  sells no kind of, or one whose trusted intent is a department the brand sells nothing in
  while the query links no product ("sharp cheddar cheese", "monster energy drink", "apple
  sauce"; ``other department``), and for one beside no linked product whose last word heads
  only other catalogues' categories, none in the brand's departments, where the intent gives
  no department ``min_department_prob`` ("bmw white alpine touch up paint": Vehicle Paint;
  not "fitbit kids boys" at 0.34). A query that links nothing and has no word of any KG name
  (:attr:`kg.ProductGraph.vocabulary`: random letters, a string from another domain) gets no
  hard category filter and no expansions from its intent's category whatever the intent's
  probability: the intent of such a query is the text model's guess, a suggestion only.
  ``FILTER`` rules are hard, but for one whose input the query excludes ("not refurbished
  laptop"): a DOWN boost of its value, as a negated link (:mod:`fusion.rules`).
- *Colour filters only for colours*: a linked colour value whose name names no colour (a
  pattern, finish or theme the KG lists as a colour: "strip" for "striped", "floral", "dark",
  "marble") is an UP boost ``colour:<value>``; colours the query joins ("black and white")
  filter on the KG's colour that combines them ("Black/White") when it has one, each an UP
  boost. A colour word that opens a KG name with the words after it ("white noise machine",
  "blue microphones yeti", "black & white laser printer") is a word of that name: an UP boost
  (``in a name``), no filter. A colour word that also names a scent or flavour ("lavender",
  "peach", "mint") is an UP boost on a consumable ("lavender body wash", "peach tea",
  "peach ice cream", "lavender epsom salt", and a query linking a food, care or household
  category: ``a scent or flavour``). Any colour word on food is an UP boost, no filter: the
  query links food or drink only (Google's "Food, Beverages & Tobacco", a pet's food: "red
  apples", "blue buffalo dog food") or a food word stands next to the colour word ("brown
  sugar", "black pepper", "pink lemonade", "red wine vinegar", "ice tea green"), and no
  clothing; so is one before a care product's word ("crest 3d white toothpaste"; ``a
  consumable``). A food word in another product's name keeps the filter where the query
  links that product ("black coffee table", "white rice cooker"). A colour word in a media
  item's title is an UP boost (``a title``), no filter: the query's product (its last words,
  edition words such as "box set" or "deluxe edition" and numbers after it aside) is a medium,
  named by a linked category of the KG's media (Best Buy's "Movies & Music", Google's "Media"
  books, films and music, a platform's games) or by a format word (dvd, blu ray, vinyl, cd, lp,
  4k uhd, steelbook, paperback, hardcover), and a title word stands beside the colour ("men in
  black dvd", "abba gold vinyl", "a clockwork orange blu ray"). A colour of a player, a
  console, a controller or a material keeps its filter ("red vinyl record player", "black dvd
  player", "white ps5 controller", "black faux leather vinyl"), and so does one with no title
  word ("red vinyl").
- *Sizes the query excludes* ("tv not 65 inch", linked or read by a pattern) are DOWN boosts,
  and a linked size value named by a bare number ("4", "15", "2-5": "galaxy watch 4") sets no
  size at all, nor does one linked from a word the tagger did not read as a size ("double
  stroller": the KG's size "Double"), and a garment size written as a word ("small",
  "large") is one only on clothing or next to "size" (an UP boost ``not clothing``: "large
  breed dog food", "small vacuum"). A cue excludes every item of the list after it ("not
  red or blue", "without 64gb or 128gb"), and a rule's synonym the query excludes is no
  expansion ("headphones not earbuds"). A negated purpose phrase excludes as the cue alone
  does ("not for men", "not made for kids"), and so does a "-" opening a word, the search
  box's exclusion ("tv -samsung"; not "t-shirt", "55-65 inch" nor "tv - samsung"), or a
  bracket or a quote ("tv -(samsung lg)", "tv -(65 inch)", a number too). "non" and a "no"
  opening the query exclude a colour ("non black shirt", "no black shirt"), where they make
  compounds before other words ("non stick", "no slip socks"). An excluded colour word that
  opens a food's name (the colour filter's reading above: "not green tea flavored", "no
  brown sugar") excludes that food, no colour: no DOWN boost on Green. An
  excluded category of the taxonomy of a category searched outside the label space, far from
  it, is a namesake of the excluded words and no DOWN boost ("cat food without fish" -> Fish
  Food); an excluded category that is, or holds, what is searched is no DOWN boost either:
  the searched category or one above it ("sofa not sectional" -> Sofas & Sectionals), one
  named as a category above it is in another catalogue ("sanding block not tool"), or one
  whose name holds a thing the searched category's name holds and the excluded words do not
  name ("mattress not box spring" -> Mattresses & Box Springs, "bed frame no headboard" ->
  Headboards & Bed Frames); a child naming only what is excluded stays one ("grill not
  smoker" -> Smokers). A place of origin is no brand ("not made in china").
- *Audiences*: no expansion names an audience the query's own audience words rule out,
  linked or not ("newborn gloves": no "Men"; "toddler sweater": no "Boy"; "simple woman t
  shirt": no parent "mens clothing"), and where the query (its words and linked categories)
  names none, no value nor parent or fanned-out category names one ("birkenstock sandals": no
  Flipkart parent "womens footwear"; "sweatshirt": no "Men"): a sibling or child category of
  an audience ("Kids' Tablets") stays (:func:`_narrows_audience`).
- *The exclusion wins*: a node the query names again after a cue is excluded ("samsung tv not
  samsung", "hp printer ink not hp"), and a value the query excludes is no filter and gets no
  UP boost, a rule's included ("55 inch tv not 55 inch", "laptop not dell" with "laptop =>
  UP(20): brand:Dell"): an engine cannot AND a filter with its exclusion. One value per
  case-folded term in a filter field and in the boosts ("1TB 1tb ssd"; a rule's "samsung"
  beside the KG's "Samsung"), the first's spelling (a link's: the KG's).
- *What a cue excludes, said*: :attr:`ExpansionResult.excluded` holds the runs of the query's
  words a cue excludes, linked or not ("dog food without chicken": "chicken"), with their
  offsets in the query, for an engine to leave out (``must_not``): the words stay in the
  rewritten query, whose text clause would otherwise match them.

plus structured :class:`Filters` (brand, category, colour, size, price range from patterns such
as "under 800", "$100-200", "between 100 and 200"). Rules (:mod:`fusion.rules`) add synonyms,
boosts (UP/DOWN) and filters and may rewrite the query; every applied rule is listed in
:attr:`ExpansionResult.applied_rules`, and each boost and filter names its source.

Example:
    >>> import networkx as nx
    >>> from fusion.types import LinkedEntity
    >>> g = nx.MultiDiGraph()
    >>> g.add_node("b", kind="brand", label="Samsung", aliases=["SAMSUNG"])
    >>> g.add_node("c", kind="category", label="TVs", path="TV > TVs", aliases=[])
    >>> _ = g.add_edge("b", "c", relation="sells_in")
    >>> res = expand(g, [LinkedEntity("b", "brand")], query="samsung under 800")
    >>> [(e.term, e.kind, e.provenance) for e in res], res.filters.price_max
    ([('TVs', 'category', (('b', 'sells_in', 'c'),))], 800.0)
    >>> res = expand(g, [LinkedEntity("c", "category")], query="tvs")
    >>> [(s.category, s.source) for s in res.suggestions], res.filters.category
    ([('TV > TVs', 'link:c')], ())

Where things are (the package's modules, each importing only those listed above it):

=============== ===========================================================================
module          what it holds
=============== ===========================================================================
``types``       the result types: :class:`Expansion`, :class:`Filters`,
                :class:`CategorySuggestion`, :class:`Boost`, :class:`FilterSource`,
                :class:`Excluded`, :class:`ExpansionResult`
``config``      :class:`Thresholds`, :class:`ExpansionConfig`, ``KINDS`` and the defaults
``kgview``      the KG view and its caches: ``_KG``, ``_Derived``, ``_Cand``, ``_cached``,
                brand facts (:func:`brand_categories`), a category's subtree
``words``       query words and offsets (``_words``, ``_query_words``), mentions, marks,
                the shared word lists (``CUE_WORDS``, ``NEGATION_CUES``, fillers,
                joiners), alternatives and comparisons
``sizes``       size labels, garment, letter and bed sizes (``PATTERN_NEGATED``,
                ``PATTERN_HINT``)
``colours``     colour words (:func:`colour_words`, :func:`colour_opens_a_name`,
                :func:`kg_words`), colours that are no filter, colours in names
``negation``    cues and what they negate: ``_negated``, :func:`compound_no_words`,
                :func:`negated_spans`, :func:`excluded_items`, :func:`free_from_words`,
                ``EXCLUSION_LEAD_WORDS``
``accessories`` "with" features, accessory readings, the devices an accessory fits
``departments`` category and department filters, namesakes, taxonomies, label trees,
                the sides of a comparison, brand keys and product lines
``exclusions``  what a query excludes: :func:`excluded_links`, :func:`excluded_words`,
                :func:`query_exclusions`, :func:`may_exclude`, excluded spans, brand roles
``walk``        the entity walk, category walks, generations, components, similarity
``depth``       the depth of a linked category's hard filter from the KG's products
                (:func:`fusion.expand.depth.filter_depth`)
``core``        :func:`expand` and :class:`QueryExpander`; ``expand`` runs the named steps
                of ``_Expansion`` in order: the links and the intent, the words and
                exclusions, devices and values, the fan-out's bounds (``add``), the
                links' context, walk and filters, the intent's category, the rules, sizes
                and filters, the ranking, the result
=============== ===========================================================================

The public names are re-exported here (``from fusion.expand import expand``); a private helper
is imported from its module (``from fusion.expand.words import _words``).
"""

from __future__ import annotations

from fusion.expand.colours import colour_opens_a_name, colour_words, kg_words
from fusion.expand.config import KINDS, ExpansionConfig, Thresholds
from fusion.expand.core import QueryExpander, expand, parse_price
from fusion.expand.exclusions import (
    excluded_links,
    excluded_words,
    may_exclude,
    query_exclusions,
)
from fusion.expand.kgview import brand_categories
from fusion.expand.negation import (
    EXCLUSION_LEAD_WORDS,
    compound_no_words,
    excluded_items,
    free_from_words,
    negated_spans,
    one_letter,
)
from fusion.expand.sizes import PATTERN_HINT, PATTERN_NEGATED
from fusion.expand.types import (
    Boost,
    CategorySuggestion,
    Excluded,
    Expansion,
    ExpansionResult,
    Filters,
    FilterSource,
    Triple,
)
from fusion.expand.words import (
    CUE_CLOSERS,
    CUE_WORDS,
    NEGATION_CUES,
    VALUE_NEGATION_CUES,
)

__all__ = ["CUE_CLOSERS", "CUE_WORDS", "EXCLUSION_LEAD_WORDS", "KINDS", "NEGATION_CUES",
           "PATTERN_HINT", "PATTERN_NEGATED", "VALUE_NEGATION_CUES",
           "Boost", "CategorySuggestion", "Excluded", "Expansion", "ExpansionConfig",
           "ExpansionResult", "FilterSource", "Filters", "QueryExpander", "Thresholds", "Triple",
           "brand_categories", "colour_opens_a_name", "colour_words", "compound_no_words",
           "excluded_items", "excluded_links", "excluded_words", "expand", "free_from_words",
           "kg_words", "may_exclude", "negated_spans", "one_letter", "parse_price",
           "query_exclusions"]
