"""The "Leave a Reply" form: moderation, the author's own pending view, errors, spam traps."""

from __future__ import annotations

from urllib.parse import parse_qs, urlsplit

import pytest

from chalicelib import deps
from tests.functional.comment_helpers import (
    FORM,
    SLUG,
    TITLE,
    approve,
    follow,
    form_token,
    heading,
    pending_ids,
    post_form,
)
from tests.support import soup


def test_the_form_has_the_contract_fields_labels_and_required_marks(client) -> None:
    form = soup(client.http.get(f"/posts/{SLUG}").body).find("form")
    names = {i["name"] for i in form.find_all(["input", "textarea"])}
    assert {"author", "email", "url", "comment", "comment_parent"} <= names
    for name in ("author", "email", "comment"):
        field = form.find(attrs={"name": name})
        assert field.has_attr("required"), name
        label = form.find("label", attrs={"for": field["id"]})
        assert "*" in label.get_text(), name
    assert not form.find(attrs={"name": "url"}).has_attr("required")
    notes = form.select_one(".comment-notes").get_text()
    assert "Your email address will not be published." in notes
    assert "Required fields are marked *" in " ".join(notes.split())


def test_a_first_comment_waits_for_moderation_and_only_its_author_sees_it(client, clock) -> None:
    response = post_form(client, clock)
    location = response.headers["Location"]
    assert response.status_code == 303
    query = parse_qs(urlsplit(location).query)
    comment_id = query["unapproved"][0]
    assert location.endswith(f"#comment-{comment_id}")
    own = follow(client, response)
    assert own.headers["Cache-Control"] == "private, no-store"
    doc = soup(own.body)
    pending = doc.find(id=f"comment-{comment_id}")
    assert "Your comment is awaiting moderation." in pending.get_text()
    assert "A thoughtful remark." in pending.get_text()
    assert heading(own.body) == "No comments yet"

    shared = client.http.get(f"/posts/{SLUG}")
    assert "awaiting moderation" not in shared.body.decode()
    assert "private" not in shared.headers["Cache-Control"]
    forged = client.http.get(f"/posts/{SLUG}?unapproved={comment_id}&moderation-hash=forged")
    assert "A thoughtful remark." not in forged.body.decode()


def test_approval_shows_the_comment_and_the_next_one_from_that_email_is_approved(
    client, clock
) -> None:
    first = post_form(client, clock)
    (comment_id,) = pending_ids(client)
    assert approve(client, comment_id).status_code == 200
    page = follow(client, first)  # the same link, reloaded after approval
    doc = soup(page.body)
    assert heading(page.body) == f"One comment on “{TITLE}”"
    shown = doc.find(id=f"comment-{comment_id}")
    assert "A thoughtful remark." in shown.get_text()
    assert shown.find("time")["datetime"].endswith("Z")
    assert "awaiting moderation" not in page.body.decode()

    second = post_form(client, clock, comment="Back again.", author="Ada R.")
    location = second.headers["Location"]
    assert "unapproved" not in location
    assert "Back again." in follow(client, second).body.decode()
    assert heading(client.http.get(f"/posts/{SLUG}").body) == f"2 comments on “{TITLE}”"


@pytest.mark.parametrize(
    ("fields", "errors"),
    [
        ({"author": "", "email": "", "comment": ""}, {"author", "email", "comment"}),
        ({"email": "nope"}, {"email"}),
        ({"url": "javascript:alert(1)"}, {"url"}),
        ({"author": "x" * 246}, {"author"}),
        ({"comment_parent": "not-an-id"}, {"comment_parent"}),
    ],
)
def test_errors_re_render_the_form_with_messages_and_the_input_kept(
    client, clock, fields: dict[str, str], errors: set[str]
) -> None:
    response = post_form(client, clock, **fields)
    assert response.status_code == 422
    doc = soup(response.body)
    shown = {e["id"].removesuffix("-error") for e in doc.select(".field-error[id]")}
    assert shown == errors
    for name, value in fields.items():
        field = doc.find(attrs={"name": name})
        kept = field.get_text() if field.name == "textarea" else field["value"]
        assert kept == value, name
    assert doc.find("input", attrs={"name": "form_token"})["value"] != ""
    assert deps.comments().by_status("pending")[0] == []


def test_a_filled_honeypot_is_answered_like_success_and_kept_as_spam(client, clock) -> None:
    response = post_form(client, clock, phone="555-0100")
    assert response.status_code == 303
    assert "unapproved=" in response.headers["Location"]
    spam, _ = deps.comments().by_status("spam")
    assert [c.body for c in spam] == ["A thoughtful remark."]
    assert pending_ids(client) == []


def test_a_form_sent_within_three_seconds_is_held_and_its_author_told(client, clock) -> None:
    response = post_form(client, clock, wait=1)
    assert response.status_code == 303
    assert deps.comments().by_status("spam")[0] == []
    (held,) = deps.comments().by_status("pending")[0]
    assert held.reason == "too quick"
    page = soup(follow(client, response).body)
    notice = page.select_one(".moderation-notice").get_text()
    assert notice == "Your comment is awaiting moderation."


def test_a_form_without_a_genuine_token_is_spam(client, clock) -> None:
    response = post_form(client, clock, token="forged.token")
    assert response.status_code == 303
    assert len(deps.comments().by_status("spam")[0]) == 1


def test_an_expired_form_asks_to_submit_again(client, clock) -> None:
    token = form_token(client)
    response = post_form(client, clock, token=token, wait=2 * 86400)
    assert response.status_code == 422
    assert "expired" in soup(response.body).select_one(".form-message").get_text()
    assert soup(response.body).find("textarea").get_text() == "A thoughtful remark."


def test_a_form_sent_twice_stores_one_comment_and_redirects_to_it(client, clock) -> None:
    token = form_token(client)
    first = post_form(client, clock, token=token)
    second = post_form(client, clock, token=token, wait=0.5)  # double click
    third = post_form(client, clock, token=token, wait=30)  # refresh after a network error
    assert first.status_code == second.status_code == third.status_code == 303
    assert first.headers["Location"] == second.headers["Location"] == third.headers["Location"]
    assert len(pending_ids(client)) == 1


def test_one_cached_page_serves_many_readers_without_mixing_their_comments(client, clock) -> None:
    token = form_token(client)  # a CDN hands the same page, and token, to everyone
    a = post_form(client, clock, token=token, author="A", email="a@example.org", comment="One")
    b = post_form(client, clock, token=token, author="B", email="b@example.org", comment="Two")
    assert a.headers["Location"] != b.headers["Location"]
    assert len(pending_ids(client)) == 2


def test_duplicates_and_floods_keep_the_input_and_say_why(client, clock) -> None:
    assert post_form(client, clock).status_code == 303
    flood = post_form(client, clock, comment="Something new", wait=4)
    assert flood.status_code == 429
    assert 1 <= int(flood.headers["Retry-After"]) <= 15
    assert soup(flood.body).find("textarea").get_text() == "Something new"
    duplicate = post_form(client, clock, author="Ada R.")
    assert duplicate.status_code == 409
    assert "already said that" in duplicate.body.decode()
    assert post_form(client, clock, comment="Something new").status_code == 303


def test_the_same_comment_sent_again_lands_on_the_stored_one(client, clock) -> None:
    """A retry after a lost answer (no idempotency key, a fresh form) is not a duplicate."""
    first = post_form(client, clock)
    again = post_form(client, clock)
    assert again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]
    assert len(pending_ids(client)) == 1


def test_a_closed_post_refuses_comments(client, clock) -> None:
    response = post_form(client, clock, slug="reading-an-ecg-strip-quickly", token="x")
    assert response.status_code == 403
    assert deps.comments().by_status("spam")[0] == []


def test_the_form_needs_its_content_type(client) -> None:
    response = client.http.post(
        f"/posts/{SLUG}/comments", headers={"content-type": "text/plain"}, body="x"
    )
    assert response.status_code == 415
    assert b"content type is not accepted" in response.body
    assert client.http.post("/posts/nope/comments", headers=FORM, body="").status_code == 404


def test_the_forms_lengths_are_the_comment_rules_limits(client) -> None:
    from chalicelib.comments.rules import LIMITS

    form = soup(client.http.get(f"/posts/{SLUG}").body).select_one("form.comment-form")
    lengths = {
        name: int(form.find(attrs={"name": name})["maxlength"])
        for name in ("author", "email", "url", "comment")
    }
    assert lengths == {
        "author": LIMITS.author,
        "email": LIMITS.email,
        "url": LIMITS.url,
        "comment": LIMITS.body_bytes,
    }
