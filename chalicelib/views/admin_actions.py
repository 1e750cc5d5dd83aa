"""The moderation screen's state changes: every one a POST with the session's CSRF token."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from chalice import Response

from chalicelib import deps
from chalicelib.comments import moderation
from chalicelib.comments.errors import ConcurrentChange
from chalicelib.comments.model import Comment, Edit, is_comment_id, moderation_now
from chalicelib.comments.rules import validate
from chalicelib.views import admin_session as s
from chalicelib.views.admin_screen import View, view_of
from chalicelib.views.web import Blueprint

bp = Blueprint(__name__)
ACTIONS = {"approve": "approved", "pending": "pending", "spam": "spam", "trash": "trash"}
FOREVER_FROM = ("spam", "trash")  # "Delete for ever" only from these lists
MAX_BULK = 100


def _request() -> Any:
    return bp.current_request


def _chosen(fields: dict[str, list[str]]) -> tuple[str, list[str]]:
    """The action and its comments: one row's button ("approve:ID"), else the bulk action
    on the ticked boxes."""
    one = s.first(fields, "one")
    if one:
        action, _, comment_id = one.partition(":")
        return action, [comment_id]
    return s.first(fields, "bulk_action"), fields.get("ids", [])[:MAX_BULK]


def _apply(acting: moderation.Session, action: str, comment_id: str) -> bool:
    """One action on one comment; False if it could not be done (gone, changed meanwhile,
    or not deletable from its list)."""
    try:
        if action == "delete":
            found = acting.comments.get(comment_id)
            return found is not None and found.status in FOREVER_FROM and acting.delete(comment_id)
        by = moderation_now("screen")
        return acting.set_status(comment_id, ACTIONS[action], by) is not None
    except ConcurrentChange:
        return False


def _session() -> moderation.Session:
    """Actions whose pages are invalidated once, after the last of them."""
    return moderation.Session(deps.comments(), deps.posts(), deps.edge(), each=False)


@bp.route("/admin/comments", methods=["POST"], content_types=[s.FORM])
@s.signed_in(_request)
def moderate(session: s.Session) -> Response:
    request = _request()
    fields, refused = s.with_csrf(request, session.id)
    if refused:
        return refused
    assert fields is not None
    view = view_of(lambda name: s.first(fields, name)) or View()
    action, ids = _chosen(fields)
    if action not in ACTIONS and action != "delete":
        return s.redirect(request, "/admin?" + view.params())
    acting = _session()
    done = sum(1 for i in ids if is_comment_id(i) and _apply(acting, action, i))
    acting.done()
    return s.redirect(request, "/admin?" + view.params(done=action, n=str(done)))


def _editable(comment_id: str) -> Comment | None:
    """A comment a moderator may edit: not a placeholder left by an erasure."""
    found = deps.comments().get(comment_id) if is_comment_id(comment_id) else None
    return None if found is None or found.removed else found


def _gone() -> Response:
    return s.page(_request(), "admin_message.html", 404)(
        heading="No such comment", message="This comment does not exist.", back="/admin"
    )


@bp.route("/admin/comments/{comment_id}/edit", methods=["GET"])
@s.signed_in(_request)
def edit_form(session: s.Session, comment_id: str) -> Response:
    comment = _editable(comment_id)
    if comment is None:
        return _gone()
    values = {"author": comment.author, "url": comment.url, "body": comment.body}
    return s.page(_request(), "admin_edit.html")(
        csrf=session.csrf, comment=comment, values=values, errors={}
    )


@bp.route("/admin/comments/{comment_id}/edit", methods=["POST"], content_types=[s.FORM])
@s.signed_in(_request)
def edit(session: s.Session, comment_id: str) -> Response:
    request = _request()
    fields, refused = s.with_csrf(request, session.id)
    if refused:
        return refused
    assert fields is not None
    comment = _editable(comment_id)
    if comment is None:
        return _gone()
    values = {name: s.first(fields, name) for name in ("author", "url", "body")}
    sub, errors = validate({**values, "email": comment.email})
    errors.pop("email", None)  # the commenter's address is not the moderator's to fix
    if not errors:
        try:
            at = moderation_now("screen").at
            acting = _session()
            acting.edit(comment.id, Edit(sub.author, sub.url, sub.body), at)
            acting.done()
        except ConcurrentChange:
            errors = {"body": "The comment changed meanwhile: reload and edit it again."}
    if errors:
        return s.page(request, "admin_edit.html", 422)(
            csrf=session.csrf, comment=comment, values=values, errors=errors
        )
    query = urlencode({"status": comment.status, "done": "edited"})
    return s.redirect(request, f"/admin?{query}#comment-{comment.id}")
