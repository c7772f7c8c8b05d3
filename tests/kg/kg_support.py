"""Helpers shared by the KG tests."""

from __future__ import annotations

from pathlib import Path

XSD = "http://www.w3.org/2001/XMLSchema#"


def write_products_nt(path: Path, n: int, start: int = 0) -> Path:
    """``n`` products (type, a name with quotes and a non-ASCII letter, a typed popularity) as
    N-Triples, numbered from ``start`` (so two files can overlap)."""
    with open(path, "w", encoding="utf-8") as fh:
        for i in range(start, start + n):
            s = f"<https://kgqp.dev/id/product/p{i}>"
            fh.write(f"{s} <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> "
                     "<https://schema.org/Product> .\n")
            fh.write(f'{s} <https://schema.org/name> "Product {i} \\"{i % 7}in\\" é" .\n')
            fh.write(f'{s} <https://kgqp.dev/ns#popularity> "{i % 10}.0"^^<{XSD}double> .\n')
    return path
