"""The public JSON API: posts, comments, and the OpenAPI document."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any

import yaml
from chalice import Blueprint, Response

from chalicelib import commenting, deps
from chalicelib.comments import DuplicateComment, IdempotencyMismatch, ParentUnavailable, TooFast
from chalicelib.content import PostMeta
from chalicelib.moderation import validate
from chalicelib.signing import InvalidToken
from chalicelib.views.web import (
    JSON,
    Links,
    api_error,
    base_path,
    client_ip,
    json_response,
    now,
    query,
    today,
)

bp = Blueprint(__name__)

OPENAPI_PATH = Path(__file__).resolve().parent.parent / "openapi.yaml"
_COMMENT_FIELDS = ("author", "email", "url", "body", "parent_id", "notify")
API_CACHE = "public, max-age=0, s-maxage=30"


def _links() -> Links:
    return Links(site=deps.posts().site(), base=base_path(bp.current_request))


def _post_dict(meta: PostMeta, links: Links) -> dict[str, Any]:
    return {**meta.to_dict(), "url": links.absolute(f"/posts/{meta.slug}")}


def _visible_meta(slug: str) -> PostMeta | None:
    meta = deps.posts().index().get(slug)
    return meta if meta is not None and meta.is_visible(today()) else None


def not_found() -> Response:
    return api_error(404, "not_found", "There is no post with this slug.")


@bp.route("/api/posts")
def list_posts() -> Response:
    links = _links()
    day = today()
    posts = [_post_dict(p, links) for p in deps.posts().index().posts if p.is_visible(day)]
    return json_response({"posts": posts, "count": len(posts)}, cache=API_CACHE)


@bp.route("/api/posts/{slug}")
def get_post(slug: str) -> Response:
    meta = _visible_meta(slug)
    post = deps.posts().post(slug) if meta else None
    if post is None:
        return not_found()
    data = {**_post_dict(post.meta, _links()), "html": post.body_html}
    return json_response(data, cache=API_CACHE)


@bp.route("/api/posts/{slug}/comments")
def list_comments(slug: str) -> Response:
    if _visible_meta(slug) is None:
        return not_found()
    cursor = query(bp.current_request, "cursor")
    scope = f"api-comments:{slug}"
    after = None
    if cursor:
        try:
            after = deps.signing().read_cursor(scope, cursor).get("a")
        except InvalidToken:
            return api_error(400, "invalid_cursor", "The cursor is not valid for this list.")
    page = deps.comments().approved_page(slug, deps.posts().site().comments.page_size, after=after)
    return json_response(
        {
            "comments": [c.public_dict() for c in page.comments],
            "count": page.count,
            "next_cursor": deps.signing().cursor(scope, {"a": page.next_key})
            if page.next_key
            else None,
        },
        cache=API_CACHE,
    )


def _json_object() -> dict[str, Any] | None:
    try:
        data = json.loads(bp.current_request.raw_body or b"")
    except (ValueError, UnicodeDecodeError):
        return None
    return data if isinstance(data, dict) else None


@bp.route("/api/posts/{slug}/comments", methods=["POST"], content_types=[JSON])
def create_comment(slug: str) -> Response:
    data = _json_object()
    if data is None:
        return api_error(400, "malformed", "The body must be a JSON object.")
    meta = _visible_meta(slug)
    if meta is None:
        return not_found()
    type_errors = {
        name: "Must be a string." if name != "notify" else "Must be true or false."
        for name in _COMMENT_FIELDS
        if data.get(name) is not None
        and not isinstance(data[name], bool if name == "notify" else str)
    }
    if type_errors:
        return api_error(422, "invalid", "Some fields are invalid.", fields=type_errors)
    sub, errors = validate(data)
    if errors:
        return api_error(422, "invalid", "Some fields are invalid.", fields=errors)
    key = bp.current_request.headers.get("idempotency-key")
    if key is not None and not 1 <= len(key) <= 255:
        return api_error(400, "malformed", "Idempotency-Key must be 1 to 255 characters.")
    ctx = commenting.Context(
        client_ip=client_ip(bp.current_request), now=now(), idempotency_key=key
    )
    site = deps.posts().site()
    try:
        comment = commenting.submit(deps.comments(), deps.signing(), site, meta, sub, ctx)
    except commenting.CommentsClosed:
        return api_error(403, "comments_closed", "Comments are closed on this post.")
    except (commenting.InvalidComment, ParentUnavailable):
        return api_error(
            422,
            "invalid",
            "Some fields are invalid.",
            fields={"parent_id": "The comment you are replying to does not exist."},
        )
    except DuplicateComment:
        return api_error(409, "duplicate", "You have already posted this comment.")
    except TooFast as exc:
        return api_error(
            429,
            "too_fast",
            "You are posting comments too quickly.",
            headers={"Retry-After": str(exc.retry_after)},
        )
    except IdempotencyMismatch:
        return api_error(
            422, "idempotency_key_reused", "This Idempotency-Key was used for a different comment."
        )
    # Spam is answered exactly like a comment held for moderation.
    status = "approved" if comment.status == "approved" else "pending"
    body = {**comment.public_dict(), "post": slug, "status": status}
    return json_response(body, status=201)


@bp.route("/api/posts/{slug}/comments", methods=["OPTIONS"])
def comments_preflight(slug: str) -> Response:
    return Response(body="", status_code=204, headers={"Cache-Control": "public, max-age=600"})


@functools.cache
def openapi_document() -> str:
    with OPENAPI_PATH.open(encoding="utf-8") as fh:
        return json.dumps(yaml.safe_load(fh))


@bp.route("/api/openapi.json")
def openapi() -> Response:
    return Response(
        body=openapi_document(),
        status_code=200,
        headers={"Content-Type": JSON, "Cache-Control": "public, max-age=3600"},
    )
