"""parser.app.commands: the CLI's helpers."""

from __future__ import annotations

import pytest

from parser.app.commands import _read_token


def test_the_token_file_gives_its_first_line(tmp_path):
    """The whole file was read: "tok\\n# old: tok-old" made every KG endpoint answer 401."""
    f = tmp_path / "token"
    f.write_text("tok\n# old: tok-old\n", encoding="utf-8")
    f.chmod(0o600)
    assert _read_token(f) == "tok"
    f.write_text("  tok  \r\n", encoding="utf-8")
    assert _read_token(f) == "tok"


@pytest.mark.parametrize("text", ["tok en\n", "tok\ten", "tok\x1b\n"])
def test_a_token_with_inner_space_is_refused_at_start(tmp_path, text):
    f = tmp_path / "token"
    f.write_text(text, encoding="utf-8")
    f.chmod(0o600)
    with pytest.raises(ValueError, match="first line"):
        _read_token(f)
