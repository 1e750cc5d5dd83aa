"""The public JSON API: posts, comments, and the OpenAPI document."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

from chalice import Response

from chalicelib import deps
from chalicelib.comments.errors import CommentError
from chalicelib.comments.rules import LIMITS, validate
from chalicelib.comments.service import Context, submit
from chalicelib.posts.model import PostMeta
from chalicelib.signing import InvalidToken
from chalicelib.views.errors import refusal
from chalicelib.views.post_page import api_cursor, read_api_cursor
from chalicelib.views.web import (
    JSON,
    Blueprint,
    Links,
    api_error,
    client_ip,
    json_request,
    json_response,
    links_for,
    now,
    query,
    today,
)

bp = Blueprint(__name__)

OPENAPI_PATH = Path(__file__).resolve().parent.parent / "openapi.yaml"
_COMMENT_FIELDS = ("author", "email", "url", "body", "parent_id", "notify")
API_CACHE = "public, max-age=0, s-maxage=30"


def _post_dict(meta: PostMeta, links: Links) -> dict[str, Any]:
    return {**meta.to_dict(), "url": links.absolute(f"/posts/{meta.slug}")}


def _visible_meta(slug: str) -> PostMeta | None:
    meta = deps.posts().index().get(slug)
    return meta if meta is not None and meta.is_visible(today()) else None


def not_found() -> Response:
    return api_error(404, "not_found", "There is no post with this slug.")


@bp.route("/api/posts")
def list_posts() -> Response:
    posts = deps.posts()
    links = links_for(bp.current_request, posts.site())
    found = [_post_dict(p, links) for p in posts.index().visible(today())]
    return json_response({"posts": found, "count": len(found)}, cache=API_CACHE)


@bp.route("/api/posts/{slug}")
def get_post(slug: str) -> Response:
    posts = deps.posts()
    post = posts.post(slug) if _visible_meta(slug) else None
    if post is None:
        return not_found()
    links = links_for(bp.current_request, posts.site())
    return json_response({**_post_dict(post.meta, links), "html": post.body_html}, cache=API_CACHE)


@bp.route("/api/posts/{slug}/comments")
def list_comments(slug: str) -> Response:
    if _visible_meta(slug) is None:
        return not_found()
    stores = deps.stores()
    cursor = query(bp.current_request, "cursor")
    after = None
    if cursor:
        try:
            after = read_api_cursor(stores, slug, cursor)
        except InvalidToken:
            return api_error(400, "invalid_cursor", "The cursor is not valid for this list.")
    page = stores.comments.approved_page(slug, stores.site().comments.page_size, after=after)
    next_cursor = api_cursor(stores, slug, page.next_after) if page.next_after else None
    body = {
        "comments": [c.public_dict() for c in page.comments],
        "count": page.count,
        "next_cursor": next_cursor,
    }
    return json_response(body, cache=API_CACHE)


def _type_errors(data: dict[str, Any]) -> dict[str, str]:
    return {
        name: "Must be a string." if name != "notify" else "Must be true or false."
        for name in _COMMENT_FIELDS
        if data.get(name) is not None
        and not isinstance(data[name], bool if name == "notify" else str)
    }


@bp.route("/api/posts/{slug}/comments", methods=["POST"], content_types=[JSON])
def create_comment(slug: str) -> Response:
    data = json_request(bp.current_request)
    if isinstance(data, Response):
        return data
    meta = _visible_meta(slug)
    if meta is None:
        return not_found()
    sub, errors = validate(data)
    errors = _type_errors(data) or errors
    if errors:
        return api_error(422, "invalid", "Some fields are invalid.", fields=errors)
    key = bp.current_request.headers.get("idempotency-key")
    if key is not None and not 1 <= len(key) <= 255:
        return api_error(400, "malformed", "Idempotency-Key must be 1 to 255 characters.")
    stores = deps.stores()
    ctx = Context(client_ip=client_ip(bp.current_request), now=now(), idempotency_key=key)
    try:
        comment = submit(stores.comments, stores.signing, stores.site(), meta, sub, ctx)
    except CommentError as exc:
        answer = refusal(exc)
        return api_error(
            answer.status, answer.code, answer.message, answer.fields or None, answer.headers
        )
    # Spam is answered exactly like a comment held for moderation.
    status = "approved" if comment.status == "approved" else "pending"
    return json_response({**comment.public_dict(), "post": slug, "status": status}, status=201)


@bp.route("/api/posts/{slug}/comments", methods=["OPTIONS"])
def comments_preflight(slug: str) -> Response:
    return Response(body="", status_code=204, headers={"Cache-Control": "public, max-age=600"})


@functools.cache
def openapi_document() -> str:
    """The OpenAPI document, with the comment limits filled in from the rules."""
    import yaml  # only here: no page needs PyYAML

    with OPENAPI_PATH.open(encoding="utf-8") as fh:
        doc = yaml.safe_load(fh)
    fields = doc["components"]["schemas"]["NewComment"]["properties"]
    for name in ("author", "email", "url"):
        fields[name]["maxLength"] = getattr(LIMITS, name)
    fields["body"]["description"] = f"Markdown subset; at most {LIMITS.body_bytes:,} bytes"
    return json.dumps(doc)


@bp.route("/api/openapi.json")
def openapi() -> Response:
    return Response(
        body=openapi_document(),
        status_code=200,
        headers={"Content-Type": JSON, "Cache-Control": "public, max-age=3600"},
    )
