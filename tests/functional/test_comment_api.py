"""The comments JSON API: every status code of the contract, idempotency, cursors, CORS."""

from __future__ import annotations

import json

import pytest
import yaml
from openapi_spec_validator import validate

from app import app
from chalicelib import deps
from chalicelib.comments.rules import LIMITS
from chalicelib.views.api import OPENAPI_PATH
from tests.functional.comment_helpers import ADMIN, SLUG, approve, post_api
from tests.support import json_body


def test_a_new_author_gets_201_pending_and_a_known_one_201_approved(client, clock) -> None:
    first = post_api(client)
    assert first.status_code == 201
    data = json_body(first)
    assert data["status"] == "pending"
    assert set(data) == {"id", "parent_id", "author", "url", "html", "created_at", "post", "status"}
    assert data["html"] == "<p>Via the API.</p>\n"
    approve(client, data["id"])
    clock.advance(16)
    second = json_body(post_api(client, body="Again"))
    assert second["status"] == "approved"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        ("not json", 400, "malformed"),
        ("[1, 2]", 400, "malformed"),
        ('{"author": "A"}', 422, "invalid"),
        ('{"author": 5, "email": "a@b.co", "body": "x"}', 422, "invalid"),
    ],
)
def test_bad_bodies_get_400_or_422(client, body: str, status: int, code: str) -> None:
    response = client.http.post(
        f"/api/posts/{SLUG}/comments", headers={"content-type": "application/json"}, body=body
    )
    assert response.status_code == status
    assert json_body(response)["error"]["code"] == code


def test_422_names_each_invalid_field(client) -> None:
    response = post_api(client, email="nope", body="", url="ftp://x")
    assert response.status_code == 422
    assert set(json_body(response)["error"]["fields"]) == {"email", "body", "url"}


def test_wrong_content_type_is_415_in_the_contracts_shape(client) -> None:
    response = client.http.post(
        f"/api/posts/{SLUG}/comments", headers={"content-type": "text/plain"}, body="hi"
    )
    assert response.status_code == 415
    assert json_body(response)["error"]["code"] == "unsupported_media_type"


def test_unknown_post_404_closed_post_403(client) -> None:
    assert post_api(client, slug="no-such-post").status_code == 404
    closed = post_api(client, slug="reading-an-ecg-strip-quickly")
    assert closed.status_code == 403
    assert json_body(closed)["error"]["code"] == "comments_closed"


def test_duplicate_409_and_flood_429_with_retry_after(client, clock) -> None:
    first = post_api(client)
    assert first.status_code == 201
    flood = post_api(client, body="Different")
    assert flood.status_code == 429
    assert flood.headers["Retry-After"] == "15"
    clock.advance(16)
    duplicate = post_api(client, author="Someone Else")
    assert duplicate.status_code == 409
    assert json_body(duplicate)["error"]["code"] == "duplicate"
    # Exactly the same comment again: a retry whose answer was lost gets that answer.
    retried = post_api(client)
    assert retried.status_code == 201
    assert json_body(retried)["id"] == json_body(first)["id"]


def test_a_retry_with_the_same_idempotency_key_returns_the_same_comment(client, clock) -> None:
    key = {"Idempotency-Key": "c0ffee-1"}
    first = post_api(client, headers=key)
    retry = post_api(client, headers=key)
    clock.advance(60)
    later = post_api(client, headers=key)
    assert first.status_code == retry.status_code == later.status_code == 201
    assert json_body(first) == json_body(retry) == json_body(later)
    listing = client.http.get("/api/admin/comments?status=pending", headers=ADMIN)
    assert len(json_body(listing)["comments"]) == 1
    reused = post_api(client, headers=key, body="Another text")
    assert reused.status_code == 422
    assert json_body(reused)["error"]["code"] == "idempotency_key_reused"
    too_long = post_api(client, headers={"Idempotency-Key": "k" * 256})
    assert too_long.status_code == 400


def test_replies_need_an_approved_parent_on_the_same_post(client, clock) -> None:
    parent = json_body(post_api(client))
    clock.advance(16)
    early = post_api(client, parent_id=parent["id"], body="Reply too soon")
    assert early.status_code == 422
    assert "parent_id" in json_body(early)["error"]["fields"]
    approve(client, parent["id"])
    reply = post_api(client, parent_id=parent["id"], body="A reply")
    assert reply.status_code == 201
    assert json_body(reply)["parent_id"] == parent["id"]
    clock.advance(16)
    elsewhere = post_api(
        client, slug="practise-suturing-at-home", parent_id=parent["id"], body="Wrong post"
    )
    assert elsewhere.status_code == 422


def with_policy(monkeypatch, **changes) -> None:
    """Serve site config with these comment settings changed."""
    from dataclasses import replace

    site = deps.posts().site()
    changed = replace(site, comments=replace(site.comments, **changes))
    monkeypatch.setattr(type(deps.posts()), "site", lambda self: changed)


def seed_approved(count: int, slug: str = SLUG) -> None:
    from chalicelib.comments.rules import validate as validate_fields
    from chalicelib.comments.service import Context, submit

    store, site = deps.comments(), deps.posts().site()
    meta = deps.posts().index().get(slug)
    assert meta is not None
    for i in range(count):
        sub, errors = validate_fields(
            {"author": f"R{i}", "email": "trusted@example.org", "body": f"Comment {i}"}
        )
        assert not errors
        stored = submit(
            store,
            deps.signing(),
            site,
            meta,
            sub,
            Context(client_ip=f"198.51.100.{i}", now=1_800_000_000 + i),
        )
        if stored.status != "approved":
            store.set_status(stored.id, "approved")


def test_comment_pages_follow_signed_cursors_that_cannot_be_forged(client, monkeypatch) -> None:
    with_policy(monkeypatch, page_size=5)
    seed_approved(12)
    first = json_body(client.http.get(f"/api/posts/{SLUG}/comments"))
    assert first["count"] == 12
    assert [c["author"] for c in first["comments"][:2]] == ["R0", "R1"]
    assert len(first["comments"]) == 5
    second = json_body(client.http.get(f"/api/posts/{SLUG}/comments?cursor={first['next_cursor']}"))
    third = json_body(client.http.get(f"/api/posts/{SLUG}/comments?cursor={second['next_cursor']}"))
    authors = [c["author"] for page in (first, second, third) for c in page["comments"]]
    assert authors == [f"R{i}" for i in range(12)]
    assert third["next_cursor"] is None
    tampered = first["next_cursor"][:-3] + "abc"
    assert client.http.get(f"/api/posts/{SLUG}/comments?cursor={tampered}").status_code == 400
    other_post = client.http.get(
        f"/api/posts/practise-suturing-at-home/comments?cursor={first['next_cursor']}"
    )
    assert other_post.status_code == 400


def test_cors_only_for_origins_in_site_config(client, monkeypatch) -> None:
    with_policy(monkeypatch, cors_origins=("https://app.example.org",))
    allowed = client.http.get("/api/posts", headers={"Origin": "https://app.example.org"})
    assert allowed.headers["Access-Control-Allow-Origin"] == "https://app.example.org"
    assert allowed.headers["Vary"] == "Origin"
    other = client.http.get("/api/posts", headers={"Origin": "https://evil.example"})
    assert "Access-Control-Allow-Origin" not in other.headers
    admin = client.http.get(
        "/api/admin/comments", headers={**ADMIN, "Origin": "https://app.example.org"}
    )
    assert "Access-Control-Allow-Origin" not in admin.headers
    preflight = client.http.request(
        "OPTIONS", f"/api/posts/{SLUG}/comments", headers={"Origin": "https://app.example.org"}
    )
    assert preflight.status_code == 204
    assert "Idempotency-Key" in preflight.headers["Access-Control-Allow-Headers"]


def test_the_openapi_document_is_valid_and_describes_every_route(client) -> None:
    response = client.http.get("/api/openapi.json")
    document = json_body(response)
    validate(document)
    new_comment = document["components"]["schemas"]["NewComment"]["properties"]
    # The limits come from the comment rules, the same ones the form's maxlength shows.
    assert {name: new_comment[name]["maxLength"] for name in ("author", "email", "url")} == {
        "author": LIMITS.author,
        "email": LIMITS.email,
        "url": LIMITS.url,
    }
    assert f"{LIMITS.body_bytes:,} bytes" in new_comment["body"]["description"]
    assert document["paths"] == yaml.safe_load(OPENAPI_PATH.read_text())["paths"]
    api_routes = {
        (path, method.lower())
        for path, methods in app.routes.items()
        if path.startswith("/api/")
        for method in methods
        if method != "OPTIONS"
    }
    documented = {
        (path.replace("{id}", "{comment_id}"), method)
        for path, ops in document["paths"].items()
        for method in ops
        if method in ("get", "post", "patch", "delete")
    }
    assert api_routes == documented


def test_no_email_in_any_public_response(client, clock) -> None:
    email = "secret.person@example.org"
    created = post_api(client, email=email)
    assert email not in created.body.decode()
    comment_id = json_body(created)["id"]
    approve(client, comment_id)
    public = [
        "/",
        f"/posts/{SLUG}",
        f"/api/posts/{SLUG}/comments",
        "/api/posts",
        f"/api/posts/{SLUG}",
        "/feed.xml",
        "/sitemap.xml",
        "/tags/skin-cancer",
    ]
    for path in public:
        body = client.http.get(path).body.decode()
        assert email not in body, path
        assert "secret.person" not in body, path
    assert comment_id in client.http.get(f"/posts/{SLUG}").body.decode()


def test_the_client_address_is_stored_only_as_a_keyed_hash(client) -> None:
    post_api(client)
    items = deps.client("dynamodb").scan(TableName="lambdapress-test")["Items"]
    assert "127.0.0.1" not in json.dumps(items)
