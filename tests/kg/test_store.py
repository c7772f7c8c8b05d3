"""kg.store: KG locations as users give them, and URLs without their credentials."""

from __future__ import annotations

from pathlib import Path

import pytest

from kg.store import location, redact_url, without_credentials


@pytest.mark.parametrize("given", ["http://bob:s3cret@127.0.0.1:18878/",
                                   Path("http://bob:s3cret@127.0.0.1:18878/")])
def test_a_url_that_is_not_a_kg_location_is_shown_as_typed_without_credentials(given):
    """``kgqp kg stats http://bob:s3cret@host/`` (the CLI hands a ``Path``, which keeps one
    slash of ``//``): the message shows the URL with both slashes and ``***`` for ``bob:s3cret``."""
    with pytest.raises(ValueError, match="looks like a URL") as e:
        location(given)
    assert "s3cret" not in str(e.value) and "bob" not in str(e.value)
    assert str(e.value).startswith("'http://***@127.0.0.1:18878")


@pytest.mark.parametrize(("url", "shown", "plain"), [
    ("sparql+http://bob:s3cret@h:1/?timeout=5", "sparql+http://***@h:1/?timeout=5",
     "sparql+http://h:1/?timeout=5"),
    ("sparql+http://bob:p@ss@h:1/", "sparql+http://***@h:1/", "sparql+http://h:1/"),
    ("sparql+http://bob:s3/cret@h:1/", "sparql+http://***@h:1/", "sparql+http://h:1/"),
    ("http:/bob:s3cret@h:1", "http:/***@h:1", "http:/h:1"),
    ("sparql+http://h:1/", "sparql+http://h:1/", "sparql+http://h:1/"),
])
def test_credentials_never_show_however_the_url_is_written(url, shown, plain):
    assert redact_url(url) == shown and without_credentials(url) == plain


@pytest.mark.parametrize("url", ["sparql+http://kg.internal:7878/ds@2/",
                                 "sparql+http://kg.internal:7878/?store=a@b"])
def test_an_at_sign_in_the_path_or_query_is_no_credential(url):
    """RFC 3986: only the authority holds ``user:pass@``; "/ds@2/" once sent requests to
    host "2" with "kg.internal:7878/ds" as Basic credentials."""
    from kg.sparql import SparqlConfig

    assert without_credentials(url) == url
    config = SparqlConfig.from_url(url)
    assert config.query_url.startswith("http://kg.internal:7878/") and config.auth is None
