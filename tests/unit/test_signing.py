"""Signed tokens cannot be forged, tampered with, or reused for another purpose."""

from __future__ import annotations

import pytest

from chalicelib.signing import InvalidToken, Signing

KEY = "k" * 40


def test_a_form_token_round_trips_its_time_and_nonce() -> None:
    s = Signing(KEY)
    token = s.read_form_token(s.form_token(1000.5))
    assert token.issued_at == 1000.5
    assert len(token.nonce) >= 16


@pytest.mark.parametrize("mangle", [lambda t: t[:-2] + "xx", lambda t: "x" + t, lambda t: ""])
def test_tampered_tokens_are_refused(mangle) -> None:  # type: ignore[no-untyped-def]
    s = Signing(KEY)
    with pytest.raises(InvalidToken):
        s.read_form_token(mangle(s.form_token(1.0)))
    with pytest.raises(InvalidToken):
        s.read_cursor("a", mangle(s.cursor("a", {"k": "v"})))


def test_a_token_from_another_key_or_purpose_is_refused() -> None:
    s, other = Signing(KEY), Signing("o" * 40)
    with pytest.raises(InvalidToken):
        other.read_form_token(s.form_token(1.0))
    with pytest.raises(InvalidToken):
        s.read_form_token(s.cursor("a", {"t": 1}))
    with pytest.raises(InvalidToken):
        s.read_cursor("list-b", s.cursor("list-a", {"k": "v"}))
    assert s.read_cursor("list-a", s.cursor("list-a", {"k": "v"})) == {"k": "v"}


def test_moderation_hashes_and_keyed_hashes_depend_on_the_key() -> None:
    s, other = Signing(KEY), Signing("o" * 40)
    digest = s.moderation_hash("c1")
    assert s.check_moderation_hash("c1", digest)
    assert not s.check_moderation_hash("c2", digest)
    assert not other.check_moderation_hash("c1", digest)
    assert s.keyed_hash("email", "a@b.c") != other.keyed_hash("email", "a@b.c")
    assert s.keyed_hash("email", "a@b.c") != s.keyed_hash("client", "a@b.c")
    assert "a@b.c" not in s.keyed_hash("email", "a@b.c")
