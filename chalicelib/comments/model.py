"""The comment model: Comment, its limits and factory, a page of comments, and threads."""

from __future__ import annotations

import datetime as dt
import re
import secrets
from dataclasses import dataclass, field
from typing import Any

from chalicelib.comments.rules import LIMITS, render_comment, valid_web_address

STATUSES = ("approved", "pending", "spam", "trash")
# Who moderated a comment: recorded on it, shown by a review link that has become useless.
ROUTES = ("screen", "review link", "API", "CLI")


@dataclass(frozen=True)
class Position:
    """Where a comment stands in a moderation list: a cursor continues after it."""

    created_at: str
    id: str
    post: str
    path: str


@dataclass(frozen=True)
class Comment:
    id: str
    post: str
    path: str  # its thread's ids joined by "/": the comment's position on the post
    author: str
    email: str
    body: str
    html: str
    status: str
    created_at: str
    url: str = ""
    parent_id: str | None = None
    email_hash: str = ""
    client_hash: str = ""
    notify: bool = False
    duplicate_digest: str = ""  # names its duplicate guard, deleted with it
    # Erased but kept in place because it has replies: no personal data, not counted,
    # shown as "Comment removed" so that its replies stay in their thread.
    removed: bool = False
    reason: str = ""  # why the rules gave it its first status ("new author", "links", ...)
    moderated_by: str = ""  # one of ROUTES, once a moderator changed its status
    moderated_at: str = ""
    edited_at: str = ""

    @property
    def depth(self) -> int:
        return self.path.count("/")

    @property
    def position(self) -> Position:
        return Position(created_at=self.created_at, id=self.id, post=self.post, path=self.path)

    def public_dict(self) -> dict[str, Any]:
        """What anyone may see: never the email, never the client hash."""
        shown = {
            "id": self.id,
            "parent_id": self.parent_id,
            "author": self.author,
            "url": self.url or None,
            "html": self.html,
            "created_at": self.created_at,
        }
        return {**shown, "removed": True} if self.removed else shown

    def admin_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "post": self.post,
            "parent_id": self.parent_id,
            "author": self.author,
            "email": self.email,
            "url": self.url or None,
            "body": self.body,
            "html": self.html,
            "status": self.status,
            "created_at": self.created_at,
            "reason": self.reason or None,
            "moderated_by": self.moderated_by or None,
            "moderated_at": self.moderated_at or None,
        }


_ID = re.compile(r"[0-9a-f]{20}")


def is_comment_id(value: str) -> bool:
    """20 hex digits, as new_comment_id and the importer make them."""
    return bool(_ID.fullmatch(value))


def new_comment_id(now: float) -> str:
    """20 hex digits: milliseconds then randomness, so ids sort by time."""
    return f"{int(now * 1000):012x}{secrets.token_hex(4)}"


def timestamp(moment: dt.datetime) -> str:
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def make_comment(
    *,
    id: str,
    post: str,
    path: str,
    parent_id: str | None,
    author: str,
    email: str,
    url: str,
    body: str,
    status: str,
    created: dt.datetime,
    email_hash: str = "",
    client_hash: str = "",
    notify: bool = False,
    reason: str = "",
) -> Comment:
    """The one way a comment is made, from a form, the API or an import: within the limits,
    with its HTML rendered once (it is stored and never altered)."""
    keep_url = len(url) <= LIMITS.url and valid_web_address(url)
    return Comment(
        id=id,
        post=post,
        path=path,
        parent_id=parent_id,
        author=author[: LIMITS.author],
        email=email[: LIMITS.email],
        url=url if keep_url else "",
        body=body,
        html=render_comment(body),
        status=status,
        created_at=timestamp(created),
        email_hash=email_hash,
        client_hash=client_hash,
        notify=notify,
        reason=reason,
    )


@dataclass(frozen=True)
class Edit:
    """What a moderator may change on a comment: the name, the website and the text."""

    author: str
    url: str
    body: str


@dataclass(frozen=True)
class Moderation:
    """Who changes a comment's status, and when (an ISO timestamp)."""

    by: str
    at: str


def moderation_now(by: str) -> Moderation:
    """A moderation by one of ROUTES, now."""
    return Moderation(by=by, at=timestamp(dt.datetime.now(dt.UTC)))


@dataclass
class CommentPage:
    """A page of approved comments in thread order, with the post's count and where the
    pages before and after it start (comment paths; None at either end)."""

    count: int
    comments: list[Comment]
    next_after: str | None = None
    prev_before: str | None = None


@dataclass
class Thread:
    comment: Comment
    replies: list[Thread] = field(default_factory=list)


def build_threads(comments: list[Comment]) -> list[Thread]:
    """Nest a page of comments (in thread order) by their paths.

    A reply whose parent is on an earlier page starts the page's first thread.
    """
    roots: list[Thread] = []
    by_path: dict[str, Thread] = {}
    for comment in comments:
        node = Thread(comment)
        parent = by_path.get(comment.path.rsplit("/", 1)[0]) if comment.depth else None
        (parent.replies if parent else roots).append(node)
        by_path[comment.path] = node
    return roots
