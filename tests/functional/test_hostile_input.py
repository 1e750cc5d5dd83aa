"""Inputs an attacker (or a broken client) sends: each gets a 4xx that says what is wrong,
never a 500, and nothing already stored is touched."""

from __future__ import annotations

import json
from urllib.parse import quote, urlencode

import pytest

from chalicelib import deps
from tests.functional.comment_helpers import ADMIN, FORM, SLUG, form_token, post_api
from tests.support import aws_calls, json_body, soup

POST = f"/posts/{SLUG}"
LONG_ID = "a" * 3000


@pytest.mark.parametrize("page", ["²", "١", "9" * 5000, "-1", "0", "1e3", "99"])
@pytest.mark.parametrize("listing", ["/", "/tags/skin-cancer", "/categories/general-dermatology"])
def test_a_page_number_that_is_not_one_is_a_404(client, listing, page) -> None:
    response = client.http.get(f"{listing}?page={quote(page)}")
    assert response.status_code == 404
    assert "no such page" in soup(response.body).get_text()


@pytest.mark.parametrize("limit", ["²", "", "9" * 5000, "0", "201"])
def test_an_admin_limit_that_is_not_a_number_is_a_422(client, limit) -> None:
    response = client.http.get(f"/api/admin/comments?limit={quote(limit)}", headers=ADMIN)
    assert response.status_code == 422
    assert "limit" in json_body(response)["error"]["fields"]


def test_a_moderation_hash_of_any_characters_shows_the_page_without_a_pending_comment(
    client,
) -> None:
    response = client.http.get(f"{POST}?unapproved=x&moderation-hash={quote('€')}")
    assert response.status_code == 200
    assert soup(response.body).select_one(".comment.pending") is None


@pytest.mark.parametrize("website", ["[", "http://[", "http://[::1", "https://x:99999"])
def test_a_broken_website_is_a_422_on_url_through_the_api(client, website) -> None:
    response = post_api(client, url=website)
    assert response.status_code == 422
    assert "url" in json_body(response)["error"]["fields"]


def test_a_broken_website_on_the_form_keeps_the_comment(client, clock) -> None:
    fields = {
        "author": "Ada",
        "email": "ada@example.org",
        "url": "http://[",
        "comment": "Keep me.",
        "form_token": form_token(client),
    }
    clock.advance(16)
    response = client.http.post(f"{POST}/comments", headers=FORM, body=urlencode(fields))
    assert response.status_code == 422
    page = soup(response.body)
    assert page.find("textarea").get_text() == "Keep me."
    assert page.select_one("#url-error") is not None


@pytest.mark.parametrize(
    "body",
    ["[" * 100_000, "{" + '"a":{' * 5000 + "}" * 5001, '{"a": ' * 3000 + "1" + "}" * 3000],
    ids=["brackets", "nested-objects", "deep-values"],
)
def test_json_nested_deep_is_a_400_or_a_422(client, body) -> None:
    response = client.http.post(
        f"/api/posts/{SLUG}/comments", headers={"content-type": "application/json"}, body=body
    )
    # Too deep for the parser: malformed; parsed, but no comment's fields: invalid.
    assert (response.status_code, json_body(response)["error"]["code"]) in (
        (400, "malformed"),
        (422, "invalid"),
    )


def test_a_lone_surrogate_in_a_field_is_a_422(client) -> None:
    body = '{"author": "Ada", "email": "ada@example.org", "body": "\\ud800"}'
    response = client.http.post(
        f"/api/posts/{SLUG}/comments", headers={"content-type": "application/json"}, body=body
    )
    assert response.status_code == 422
    assert "body" in json_body(response)["error"]["fields"]


def test_ids_too_long_for_dynamodb_never_reach_it(client) -> None:
    with aws_calls() as calls:
        page = client.http.get(f"{POST}?replytocom={LONG_ID}")
        reply = post_api(client, parent_id=LONG_ID)
        patch = client.http.request(
            "PATCH",
            f"/api/admin/comments/{LONG_ID}",
            headers=ADMIN,
            body=json.dumps({"status": "approved"}),
        )
        delete = client.http.delete(f"/api/admin/comments/{LONG_ID}", headers=ADMIN)
    assert page.status_code == 200
    assert reply.status_code == 422
    assert (patch.status_code, delete.status_code) == (404, 404)
    assert calls["dynamodb.GetItem"] == 0  # the first page and its counter: one BatchGetItem
    assert not [body for body in calls.sent if LONG_ID in body]


def test_a_body_without_a_content_type_is_a_415(client) -> None:
    comment = client.http.post(f"/api/posts/{SLUG}/comments", body='{"author": "x"}')
    patch = client.http.request(
        "PATCH",
        f"/api/admin/comments/{'a' * 20}",
        headers={"authorization": ADMIN["authorization"]},
        body='{"status": "spam"}',
    )
    for response in (comment, patch):
        assert response.status_code == 415
        assert "application/json" in json_body(response)["error"]["message"]


def test_a_huge_author_is_refused_without_echoing_megabytes(client, clock) -> None:
    fields = {
        "author": "A" * 2_000_000,
        "email": "ada@example.org",
        "comment": "Short and kept.",
        "form_token": form_token(client),
    }
    clock.advance(16)
    response = client.http.post(f"{POST}/comments", headers=FORM, body=urlencode(fields))
    assert response.status_code == 422
    assert len(response.body) < 200_000
    page = soup(response.body)
    assert page.find("textarea").get_text() == "Short and kept."
    assert "too long" in page.select_one("#author-error").get_text()


def test_a_trailing_slash_redirects_to_the_one_address(client) -> None:
    response = client.http.get(f"{POST}/?replytocom=x")
    assert response.status_code == 301
    assert response.headers["Location"] == f"{POST}?replytocom=x"
    assert client.http.get("/").status_code == 200


def test_nothing_stored_is_touched_by_hostile_requests(client) -> None:
    stored = post_api(client, body="Already here.")
    assert stored.status_code == 201
    before = deps.comments().get(json_body(stored)["id"])
    for body in ("[" * 50_000, '{"status": "\\ud800"}', "null"):
        client.http.request(
            "PATCH",
            f"/api/admin/comments/{before.id}",
            headers=ADMIN,
            body=body,
        )
    assert deps.comments().get(before.id) == before
