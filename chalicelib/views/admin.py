"""The moderators' JSON API, behind the bearer token."""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict
from functools import wraps
from typing import Any

from chalice import Response

from chalicelib import deps
from chalicelib.comments import moderation
from chalicelib.comments.errors import ConcurrentChange
from chalicelib.comments.model import STATUSES, Position, moderation_now
from chalicelib.signing import InvalidToken
from chalicelib.views.admin_session import token_matches
from chalicelib.views.web import (
    JSON,
    Blueprint,
    api_error,
    json_request,
    json_response,
    query,
    whole_number,
)

bp = Blueprint(__name__)
log = logging.getLogger(__name__)


def authorised(header: str) -> bool:
    """A bearer token that is the admin token (compared in constant time)."""
    scheme, _, value = header.partition(" ")
    return scheme.lower() == "bearer" and token_matches(value.strip())


def admin_only(view: Callable[..., Response]) -> Callable[..., Response]:
    @wraps(view)
    def guarded(*args: Any, **kwargs: Any) -> Response:
        header = bp.current_request.headers.get("authorization", "")
        if not authorised(header):
            return api_error(
                401,
                "unauthorized",
                "Send Authorization: Bearer <BLOG_ADMIN_TOKEN>.",
                headers={"WWW-Authenticate": 'Bearer realm="lambdapress-admin"'},
            )
        return view(*args, **kwargs)

    return guarded


def _unknown_status() -> Response:
    return api_error(
        422,
        "invalid",
        "Unknown status.",
        fields={"status": f"Must be one of {', '.join(STATUSES)}."},
    )


@bp.route("/api/admin/comments")
@admin_only
def list_comments() -> Response:
    status = query(bp.current_request, "status") or "pending"
    if status not in STATUSES:
        return _unknown_status()
    params: Any = bp.current_request.query_params or {}
    limit = whole_number(params.get("limit", "50"), 1, 200)
    if limit is None:
        return api_error(422, "invalid", "Invalid limit.", fields={"limit": "Must be 1 to 200."})
    after = None
    cursor = query(bp.current_request, "cursor")
    scope = f"admin:{status}"
    if cursor:
        try:
            after = Position(**deps.signing().read_cursor(scope, cursor))
        except (InvalidToken, TypeError):
            return api_error(400, "invalid_cursor", "The cursor is not valid for this list.")
    comments, last = deps.comments().by_status(status, limit, after)
    next_cursor = deps.signing().cursor(scope, asdict(last)) if last else None
    return json_response(
        {"comments": [c.admin_dict() for c in comments], "next_cursor": next_cursor}
    )


@bp.route("/api/admin/comments/{comment_id}", methods=["PATCH"], content_types=[JSON])
@admin_only
def update_comment(comment_id: str) -> Response:
    data = json_request(bp.current_request)
    if isinstance(data, Response):
        return data
    status = data.get("status")
    if status not in STATUSES:
        return _unknown_status()
    try:
        comment = moderation.set_status(
            deps.comments(), deps.posts(), deps.edge(), comment_id, status, moderation_now("API")
        )
    except ConcurrentChange:
        return api_error(409, "conflict", "The comment changed meanwhile; reload and retry.")
    if comment is None:
        return api_error(404, "not_found", "There is no comment with this id.")
    log.info("comment %s set to %s", comment_id, status)
    return json_response(comment.admin_dict())


@bp.route("/api/admin/comments/{comment_id}", methods=["DELETE"])
@admin_only
def delete_comment(comment_id: str) -> Response:
    try:
        deleted = moderation.delete(deps.comments(), deps.posts(), deps.edge(), comment_id)
    except ConcurrentChange:
        return api_error(409, "conflict", "The comment changed meanwhile; reload and retry.")
    if not deleted:
        return api_error(404, "not_found", "There is no comment with this id.")
    log.info("comment %s deleted", comment_id)
    return Response(body="", status_code=204, headers={"Cache-Control": "no-store"})
