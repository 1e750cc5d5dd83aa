"""Helpers for the comment tests: submit through the form and the API like a client would."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any
from urllib.parse import urlencode, urlsplit

from chalicelib.comments.model import Comment, make_comment
from tests.conftest import ADMIN_TOKEN, Clock
from tests.support import soup

SLUG = "machine-learning-skin-cancer-photos"
TITLE = "Can a neural network read a skin lesion as well as a dermatologist?"
FORM = {"content-type": "application/x-www-form-urlencoded"}
ADMIN = {"authorization": f"Bearer {ADMIN_TOKEN}", "content-type": "application/json"}


def numbered_comment(n: int, status: str, body: str = "") -> Comment:
    """Comment number `n` on SLUG, a second apart, as a busy site or an old version left it."""
    cid = f"{1_800_000_000_000 + n:012x}{n:08x}"
    return make_comment(
        id=cid,
        post=SLUG,
        path=cid,
        parent_id=None,
        author=f"Reader {n}",
        email=f"r{n}@example.org",
        url="",
        body=body or f"Comment {n} with some words.",
        status=status,
        created=dt.datetime.fromtimestamp(1_800_000_000 + n, dt.UTC),
    )


def form_token(client: Any, slug: str = SLUG) -> str:
    page = soup(client.http.get(f"/posts/{slug}").body)
    return str(page.find("input", attrs={"name": "form_token"})["value"])


def post_form(
    client: Any,
    clock: Clock,
    slug: str = SLUG,
    token: str | None = None,
    wait: float = 16,  # past the time trap and the flood window
    **fields: str,
) -> Any:
    """Open the page, wait like a person, submit the form."""
    data = {
        "author": "Ada Reader",
        "email": "ada@example.org",
        "url": "",
        "comment": "A thoughtful remark.",
        "comment_parent": "",
        **fields,
    }
    data["form_token"] = token if token is not None else form_token(client, slug)
    clock.advance(wait)
    return client.http.post(f"/posts/{slug}/comments", headers=FORM, body=urlencode(data))


def post_api(
    client: Any,
    slug: str = SLUG,
    headers: dict[str, str] | None = None,
    ip: str | None = None,
    **fields: Any,
) -> Any:
    body = {"author": "Ada Reader", "email": "ada@example.org", "body": "Via the API.", **fields}
    return client.http.post(
        f"/api/posts/{slug}/comments",
        headers={"content-type": "application/json", **(headers or {})},
        body=json.dumps(body),
    )


def follow(client: Any, response: Any) -> Any:
    assert response.status_code == 303, response.body[:300]
    location = response.headers["Location"]
    parts = urlsplit(location)
    return client.http.get(parts.path + ("?" + parts.query if parts.query else ""))


def approve(client: Any, comment_id: str) -> Any:
    return client.http.request(
        "PATCH",
        f"/api/admin/comments/{comment_id}",
        headers=ADMIN,
        body=json.dumps({"status": "approved"}),
    )


def pending_ids(client: Any) -> list[str]:
    listing = client.http.get("/api/admin/comments?status=pending", headers=ADMIN)
    return [c["id"] for c in json.loads(listing.body)["comments"]]


def heading(body: bytes) -> str:
    return " ".join(soup(body).find("h2", id="comments-title").get_text().split())
