"""Review links from the moderator's email, and unsubscribe links from reply notices.

Opening either link changes nothing (email scanners and link previewers fetch every link);
its buttons POST. A review link authorises one comment, for 7 days, until it is moderated;
its CSRF token is bound to the link's own token.
"""

from __future__ import annotations

from typing import Any

from chalice import Response

from chalicelib import deps
from chalicelib.comments import moderation
from chalicelib.comments.errors import ConcurrentChange
from chalicelib.comments.model import Comment, moderation_now
from chalicelib.signing import ExpiredToken, InvalidToken
from chalicelib.views import admin_session as s
from chalicelib.views.admin_screen import opening_words
from chalicelib.views.web import Blueprint

bp = Blueprint(__name__)
REVIEW_ACTIONS = {"approve": "approved", "spam": "spam", "trash": "trash"}
UNSUBSCRIBE_TYPES = [s.FORM, "multipart/form-data"]  # RFC 8058 allows either


def _request() -> Any:
    return bp.current_request


def _message(status: int, heading: str, message: str) -> Response:
    return s.page(_request(), "admin_message.html", status)(
        heading=heading, message=message, back=""
    )


def _reviewed(token: str) -> Comment | Response:
    """The comment a review link names, or the page saying why the link no longer works."""
    try:
        comment_id = deps.signing().read_review_token(token)
    except ExpiredToken:
        return _message(410, "This review link has expired", "Moderate it from the screen.")
    except InvalidToken:
        return _message(404, "This review link is not valid", "Check the address in the email.")
    comment = deps.comments().get(comment_id)
    if comment is None:
        return _message(410, "This comment was deleted", "There is nothing left to review.")
    return comment


def _review_page(token: str, comment: Comment, status: int = 200) -> Response:
    store = deps.comments()
    parent = store.get(comment.parent_id) if comment.parent_id else None
    meta = deps.posts().index().get(comment.post)
    return s.page(_request(), "admin_review.html", status)(
        token=token,
        csrf=deps.signing().csrf("review:" + token),
        comment=comment,
        post_title=meta.title if meta else comment.post,
        parent_words=opening_words(parent.body) if parent else "",
        approved_by_email=store.reputation(comment.email_hash),
        open=comment.status == "pending" and not comment.moderated_by,
    )


@bp.route("/admin/review/{token}", methods=["GET"])
def review(token: str) -> Response:
    found = _reviewed(token)
    if isinstance(found, Response):
        return found
    return _review_page(token, found, 200)


@bp.route("/admin/review/{token}", methods=["POST"], content_types=[s.FORM])
def review_action(token: str) -> Response:
    request = _request()
    fields, refused = s.with_csrf(request, "review:" + token)
    if refused:
        return refused
    assert fields is not None
    found = _reviewed(token)
    if isinstance(found, Response):
        return found
    status = REVIEW_ACTIONS.get(s.first(fields, "action"))
    if status is None:
        return _message(400, "Unknown action", "Choose Approve, Spam or Trash.")
    if found.status != "pending" or found.moderated_by:
        return _review_page(token, found, 409)
    try:
        by = moderation_now("review link")
        moderation.set_status(deps.comments(), deps.posts(), deps.edge(), found.id, status, by)
    except ConcurrentChange:  # moderated meanwhile, by another route
        return _review_page(token, deps.comments().get(found.id) or found, 409)
    return s.redirect(request, f"/admin/review/{token}")


def _unsubscribed_hash(token: str) -> str | None:
    try:
        return deps.signing().read_unsubscribe_token(token)
    except InvalidToken:
        return None


@bp.route("/comments/unsubscribe/{token}", methods=["GET"])
def unsubscribe_form(token: str) -> Response:
    if _unsubscribed_hash(token) is None:
        return _message(404, "This link is not valid", "Check the address in the email.")
    return s.page(_request(), "unsubscribe.html")(token=token, done=False)


@bp.route("/comments/unsubscribe/{token}", methods=["POST"], content_types=UNSUBSCRIBE_TYPES)
def unsubscribe(token: str) -> Response:
    """One click, no sign-in (RFC 8058): the signed link is the authority, for one email."""
    email_hash = _unsubscribed_hash(token)
    if email_hash is None:
        return _message(404, "This link is not valid", "Check the address in the email.")
    deps.ledger().unsubscribe(email_hash, moderation_now("unsubscribe").at)
    return s.page(_request(), "unsubscribe.html")(token=token, done=True)
