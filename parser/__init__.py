"""kgqp's query parser: the BERT token tagger, the QueryParser pipeline and the front-ends
(:mod:`parser.app`)."""

from kg._packages import check_not_shadowed

check_not_shadowed("kg", "fusion")
