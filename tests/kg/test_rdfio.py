"""Importing RDF safely: formats, RDF/XML entity attacks, JSON-LD remote contexts."""

from __future__ import annotations

import http.server
import json
import threading

import pytest

from kg import KGLoadError, ProductGraph
from kg.rdfio import rdf_format

LOL = """<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [
 <!ENTITY a "aaaaaaaaaa">
 <!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">
 <!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">
 <!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">
 <!ENTITY e "&d;&d;&d;&d;&d;&d;&d;&d;&d;&d;">
 <!ENTITY f "&e;&e;&e;&e;&e;&e;&e;&e;&e;&e;">
 <!ENTITY g "&f;&f;&f;&f;&f;&f;&f;&f;&f;&f;">
 <!ENTITY h "&g;&g;&g;&g;&g;&g;&g;&g;&g;&g;">
 <!ENTITY i "&h;&h;&h;&h;&h;&h;&h;&h;&h;&h;">
]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:s="https://schema.org/">
 <rdf:Description rdf:about="http://ex/x"><s:name>&i;</s:name></rdf:Description>
</rdf:RDF>"""

XXE = """<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY x SYSTEM "file:///etc/passwd"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:s="https://schema.org/">
 <rdf:Description rdf:about="http://ex/x"><s:name>&x;</s:name></rdf:Description>
</rdf:RDF>"""

FLAT = """<?xml version="1.0"?>
<!DOCTYPE rdf:RDF [ <!ENTITY s "https://schema.org/"> ]>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:s="&s;">
 <rdf:Description rdf:about="http://ex/x"><s:name>X</s:name></rdf:Description>
</rdf:RDF>"""


@pytest.mark.parametrize("doc,match", [(LOL, "billion laughs"), (XXE, "external entity")])
def test_rdfxml_entity_attacks_refused(tmp_path, doc, match):
    p = tmp_path / "evil.rdf"
    p.write_text(doc)
    with ProductGraph() as g:
        with pytest.raises(KGLoadError, match=match):
            g.import_rdf(p)
        assert g.version == 0 and len(g) == 0


def test_rdfxml_flat_entities_ok(tmp_path):
    p = tmp_path / "ok.rdf"
    p.write_text(FLAT)
    with ProductGraph() as g:
        g.import_rdf(p)
        assert g.query("ASK { <http://ex/x> <https://schema.org/name> 'X' }").boolean


def test_jsonld_remote_context_never_fetched(tmp_path):
    hits: list[str] = []

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            hits.append(self.path)
            self.send_response(200)
            self.send_header("Content-Type", "application/ld+json")
            self.end_headers()
            self.wfile.write(b'{"@context": {"name": "https://schema.org/name"}}')

        def log_message(self, *args):
            pass

    server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        p = tmp_path / "remote.jsonld"
        p.write_text(json.dumps({"@context": f"http://127.0.0.1:{server.server_port}/ctx.jsonld",
                                 "@id": "http://ex/x", "name": "X"}))
        with ProductGraph() as g:
            with pytest.raises(KGLoadError, match="remote @context"):
                g.import_rdf(p)
            assert len(g) == 0
    finally:
        server.shutdown()
    assert hits == []


def test_jsonld_inline_context_and_syntax_errors(tmp_path):
    p = tmp_path / "ok.jsonld"
    p.write_text(json.dumps({"@context": {"name": "https://schema.org/name"},
                             "@id": "http://ex/x", "name": "X"}))
    bad = tmp_path / "bad.ttl"
    bad.write_text("<http://ex/a> <http://ex/p> .")
    with ProductGraph() as g:
        g.import_rdf(p)
        assert len(g) == 1
        with pytest.raises(KGLoadError, match=r"bad\.ttl"):
            g.import_rdf(bad)
        assert g.version == 1


def test_formats():
    assert rdf_format("x.nt").name == "N-Triples"
    assert rdf_format("x.owl").name == "RDF/XML"
    assert rdf_format("x", "json-ld").name == "JSON-LD"
    with pytest.raises(ValueError, match="suffix"):
        rdf_format("x.docx")
    with pytest.raises(ValueError, match="Unknown RDF format"):
        rdf_format("x.ttl", "yaml")


def _flat_bomb(value_size: int, uses: int) -> bytes:
    """One flat (non-nested) entity used many times: small file, huge literal."""
    refs = "&big;" * uses
    return (
        '<?xml version="1.0"?>\n'
        f'<!DOCTYPE rdf:RDF [ <!ENTITY big "{"x" * value_size}"> ]>\n'
        '<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
        'xmlns:s="https://schema.org/">\n'
        f' <rdf:Description rdf:about="http://ex/x"><s:name>{refs}</s:name></rdf:Description>\n'
        "</rdf:RDF>"
    ).encode()


def test_rdfxml_flat_entity_expansion_bounded(tmp_path):
    p = tmp_path / "flat-bomb.rdf"
    p.write_bytes(_flat_bomb(50_000, 4_000))  # ~70 KB that expands to a 200 MB literal
    assert len(p.read_bytes()) < 80_000
    with ProductGraph() as g:
        with pytest.raises(KGLoadError, match="expand to more than"):
            g.import_rdf(p)
        assert g.version == 0 and len(g) == 0


def test_rdfxml_entity_value_and_literal_size_bounded(tmp_path):
    from kg.rdfio import MAX_LITERAL

    p = tmp_path / "big-entity.rdf"
    p.write_bytes(_flat_bomb(MAX_LITERAL + 10, 1))
    q = tmp_path / "big.nt"
    q.write_text(f'<http://ex/x> <https://schema.org/name> "{"y" * (MAX_LITERAL + 1)}" .\n')
    with ProductGraph() as g:
        with pytest.raises(KGLoadError, match="entity 'big' is"):
            g.import_rdf(p)
        with pytest.raises(KGLoadError, match="literal of <http://ex/x>"):
            g.import_rdf(q)
        assert g.version == 0 and len(g) == 0
        ok = tmp_path / "ok.rdf"
        ok.write_bytes(_flat_bomb(100, 50))  # modest use of a flat entity still loads
        g.import_rdf(ok)
        assert g.version == 1 and len(g) == 1


def test_to_rdflib_reads_the_data_graph_and_refuses_writes(graph, fx):
    import rdflib

    from kg.errors import KGError

    rg = graph.to_rdflib()
    assert len(rg) == graph.triple_count  # the data graph only (no version metadata)
    names = {str(r.n) for r in rg.query(
        "SELECT ?n WHERE { ?b a <https://schema.org/Brand> ; <https://schema.org/name> ?n }")}
    assert names == {"Samsung", "LG", "Apple"}
    assert "Samsung" in rg.serialize(format="turtle")
    triple = (rdflib.URIRef("https://x/a"), rdflib.URIRef("https://x/p"), rdflib.Literal("v"))
    with pytest.raises(KGError, match="read-only"):
        rg.add(triple)
    with pytest.raises(KGError, match="read-only"):
        rg.update("INSERT DATA { <https://x/a> <https://x/p> 'v' }")
    assert graph.version == 1 and len(graph.to_rdflib()) == graph.triple_count


# --- a UTF-8 byte-order mark at the start of an RDF file (input fuzzing, finding 4) ----------

_BOM = b"\xef\xbb\xbf"
_BOM_DOCS = {
    "bom.nt": b'<https://kgqp.dev/id/brand/bomnt> <https://schema.org/name> "Bomnt" .\n'
              b'<https://kgqp.dev/id/brand/bomnt> '
              b'<http://www.w3.org/1999/02/22-rdf-syntax-ns#type> <https://schema.org/Brand> .\n',
    "bom.ttl": b'@prefix s: <https://schema.org/> .\n'
               b'<https://kgqp.dev/id/brand/bomttl> s:name "Bomttl" .\n',
    "bom.nq": b'<https://kgqp.dev/id/brand/bomnq> <https://schema.org/name> "Bomnq" '
              b'<http://ex/g> .\n',
    "bom.trig": b'<http://ex/g> { <https://kgqp.dev/id/brand/bomtrig> '
                b'<https://schema.org/name> "Bomtrig" . }\n',
    "bom.jsonld": b'{"@id": "https://kgqp.dev/id/brand/bomjsonld", '
                  b'"https://schema.org/name": "Bomjsonld"}',
    "bom.rdf": b'<?xml version="1.0"?>\n<rdf:RDF '
               b'xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" '
               b'xmlns:s="https://schema.org/"><rdf:Description '
               b'rdf:about="https://kgqp.dev/id/brand/bomrdf"><s:name>Bomrdf</s:name>'
               b'</rdf:Description></rdf:RDF>',
}


def _names(g: ProductGraph) -> set[str]:
    return {row["n"] for row in g.query("SELECT ?n WHERE { ?s <https://schema.org/name> ?n }")}


@pytest.mark.parametrize("name", sorted(_BOM_DOCS))
@pytest.mark.parametrize("where", ["new-disk", "disk-with-data", "memory"])
def test_an_rdf_file_with_a_utf8_bom_loads(tmp_path, name, where):
    """The BOM was read as a stray character ("The subject of a triple must be an IRI",
    "\\ufeff is not a valid subject"); the bulk paths skip it: the one-pass N-Triples load into
    an empty KG directory, and the staging store (on disk with data, in memory)."""
    src = tmp_path / name
    src.write_bytes(_BOM + _BOM_DOCS[name])
    label = "Bom" + name.split(".")[1]
    with (ProductGraph.in_memory() if where == "memory"
          else ProductGraph.open(tmp_path / "kg")) as g:
        if where == "disk-with-data":
            other = tmp_path / "other.nt"
            other.write_bytes(_BOM_DOCS["bom.nt"].replace(b"bomnt", b"other"))
            g.import_rdf(other)
        before = g.version
        g.import_rdf(src)
        assert g.version == before + 1
        assert label in _names(g)


def test_parse_rdf_and_skip_bom():
    import io

    import pyoxigraph as ox

    from kg.rdfio import parse_rdf, skip_bom

    doc = _BOM_DOCS["bom.ttl"]
    assert len(parse_rdf(_BOM + doc, ox.RdfFormat.TURTLE, "x.ttl")) == 1
    fh = io.BytesIO(_BOM + doc)
    assert skip_bom(fh) and fh.read() == doc
    fh = io.BytesIO(doc)
    assert not skip_bom(fh) and fh.read() == doc
    fh = io.BytesIO(b"\xef\xbb")  # shorter than a BOM: left at its start
    assert not skip_bom(fh) and fh.read() == b"\xef\xbb"


def test_a_bom_inside_the_file_is_still_a_syntax_error(tmp_path):
    bad = tmp_path / "mid.nt"
    bad.write_bytes(_BOM_DOCS["bom.nt"] + _BOM + _BOM_DOCS["bom.nt"])
    with ProductGraph.open(tmp_path / "kg") as g:
        with pytest.raises(KGLoadError, match=r"mid\.nt"):
            g.import_rdf(bad)
        assert g.version == 0
