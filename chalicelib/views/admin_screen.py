"""The moderation screen: signing in and out, and the lists of comments per status."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Any
from urllib.parse import urlencode

from chalice import Response

from chalicelib import deps
from chalicelib.comments.ledger import LoginPolicy
from chalicelib.comments.model import STATUSES, Comment, Position
from chalicelib.comments.queue import ListFilter
from chalicelib.deps import Stores
from chalicelib.signing import InvalidToken
from chalicelib.views import admin_session as s
from chalicelib.views.web import Blueprint, client_ip, now, query

bp = Blueprint(__name__)
LOGIN_POLICY = LoginPolicy()
PAGE_SIZE = 20
TAB_NAMES = {"pending": "Pending", "approved": "Approved", "spam": "Spam", "trash": "Trash"}
NOTICES = {
    "approve": "approved",
    "pending": "moved back to pending",
    "spam": "marked as spam",
    "trash": "moved to the trash",
    "delete": "deleted for ever",
}


def _request() -> Any:
    return bp.current_request


@bp.route("/admin/login", methods=["GET"])
def login_form() -> Response:
    return s.page(_request(), "admin_login.html")(message="")


@bp.route("/admin/login", methods=["POST"], content_types=[s.FORM])
def login() -> Response:
    request = _request()
    ledger, moment = deps.ledger(), int(now())
    client = deps.signing().keyed_hash("client", client_ip(request))
    wait = ledger.login_wait(client, moment, LOGIN_POLICY)
    if wait:
        message = f"Too many attempts. Please wait {wait // 60 + 1} minutes and try again."
        return s.page(request, "admin_login.html", 429, {"Retry-After": str(wait)})(message=message)
    fields = s.form_fields(request) or {}
    if not s.token_matches(s.first(fields, "token")):
        ledger.login_failed(client, moment, LOGIN_POLICY)
        return s.page(request, "admin_login.html", 401)(message="That admin token is not right.")
    ledger.login_succeeded(client)
    return s.redirect(request, "/admin", cookie=s.new_session_cookie(request))


@bp.route("/admin/logout", methods=["POST"], content_types=[s.FORM])
@s.signed_in(_request)
def logout(session: s.Session) -> Response:
    request = _request()
    _, refused = s.with_csrf(request, session.id)
    if refused:
        return refused
    return s.redirect(request, "/admin/login", cookie=s.ended_session_cookie(request))


@dataclass(frozen=True)
class View:
    """Which list the screen shows: a status, a filter, a page."""

    status: str = "pending"
    post: str = ""
    email: str = ""

    def params(self, **more: str) -> str:
        values = {"status": self.status, "post": self.post, "email": self.email, **more}
        return urlencode({k: v for k, v in values.items() if v})

    def scope(self, email_hash: str) -> str:
        return f"screen:{self.status}:{self.post}:{email_hash}"


def view_of(get: Any) -> View | None:
    """The list a query string (or a form's hidden fields) names; None if it names none."""
    status = get("status") or "pending"
    if status not in STATUSES:
        return None
    return View(status=status, post=get("post")[:200], email=get("email")[:100].strip())


@bp.route("/admin", methods=["GET"])
@s.signed_in(_request)
def queue(session: s.Session) -> Response:
    request = _request()
    view = view_of(lambda name: query(request, name))
    if view is None:
        return s.page(request, "admin_message.html", 404)(
            heading="No such list", message="There is no list of that name.", back="/admin"
        )
    stores = deps.stores()
    email_hash = stores.signing.email_hash(view.email) if view.email else ""
    after = None
    if cursor := query(request, "cursor"):
        try:
            after = Position(**stores.signing.read_cursor(view.scope(email_hash), cursor))
        except (InvalidToken, TypeError):
            return s.page(request, "admin_message.html", 400)(
                heading="This page link is not valid", message="Start again.", back="/admin"
            )
    where = ListFilter(post=view.post, email_hash=email_hash)
    comments, last = stores.comments.moderation_list(view.status, PAGE_SIZE, after, where)
    next_link = ""
    if last is not None:
        next_cursor = stores.signing.cursor(view.scope(email_hash), asdict(last))
        next_link = "/admin?" + view.params(cursor=next_cursor)
    notice = query(request, "done")
    count = query(request, "n")
    return s.page(request, "admin_queue.html")(
        csrf=session.csrf,
        view=view,
        tabs=[(name, TAB_NAMES[name], n) for name, n in stores.comments.status_counts().items()],
        rows=rows(stores, comments),
        posts=sorted(stores.posts.index().posts, key=lambda p: p.title.lower()),
        next_link=next_link,
        notice=f"{count} comment(s) {NOTICES[notice]}." if notice in NOTICES else "",
        edited=notice == "edited",
    )


@dataclass(frozen=True)
class Row:
    """A comment as the screen shows it, with what a moderator needs to decide."""

    comment: Comment
    post_title: str
    parent_words: str
    approved_by_email: int


def opening_words(text: str, words: int = 12) -> str:
    split = text.split()
    return " ".join(split[:words]) + (" …" if len(split) > words else "")


def rows(stores: Stores, comments: list[Comment]) -> list[Row]:
    """The page's comments with their post's title, their parent's opening words and their
    email's approved count: one read per parent and per email, at most a page's worth."""
    titles = {p.slug: p.title for p in stores.posts.index().posts}
    reputation: dict[str, int] = {}
    found = []
    for c in comments:
        if c.email_hash not in reputation:
            reputation[c.email_hash] = stores.comments.reputation(c.email_hash)
        parent = stores.comments.get(c.parent_id) if c.parent_id else None
        found.append(
            Row(
                comment=c,
                post_title=titles.get(c.post, c.post),
                parent_words=opening_words(parent.body) if parent else "",
                approved_by_email=reputation[c.email_hash],
            )
        )
    return found
