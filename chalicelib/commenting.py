"""The comment service: takes plain values and the stores, raises domain errors."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from dataclasses import dataclass

from chalicelib.comments import Comment, CommentStore, Guards
from chalicelib.content import PostMeta, render_comment
from chalicelib.moderation import Submission, classify
from chalicelib.signing import Signing
from chalicelib.siteconfig import SiteConfig


class CommentsClosed(Exception):
    """The post takes no more comments."""


class InvalidComment(Exception):
    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class Context:
    """Where a submission came from: the client, the time, and how it asked to be deduplicated."""

    client_ip: str
    now: float
    idempotency_key: str | None = None  # API: the client's Idempotency-Key
    form_nonce: str | None = None  # form: the nonce of the page's signed form token
    honeypot: str = ""
    form_age: float | None = None


def comments_open(post: PostMeta, site: SiteConfig, today: dt.date) -> bool:
    if not post.comments_open:
        return False
    days = site.comments.close_after_days
    return not (days and (today - post.date).days > days)


def comment_on(store: CommentStore, slug: str, comment_id: str, status: str) -> Comment | None:
    """The comment with this id if it is on this post and has this status (one may reply
    only to an approved comment; only a pending one is shown to its author)."""
    comment = store.get(comment_id) if comment_id else None
    if comment is None or comment.post != slug or comment.status != status:
        return None
    return comment


def new_comment_id(now: float) -> str:
    """20 hex digits: milliseconds then randomness, so ids sort by time."""
    return f"{int(now * 1000):012x}{secrets.token_hex(4)}"


def _digest(*parts: str) -> str:
    return hashlib.sha256("\0".join(parts).encode("utf-8")).hexdigest()


def _idempotency_digest(slug: str, ctx: Context, fingerprint: str) -> str | None:
    if ctx.idempotency_key:
        # A reused key with other content must be refused, so the key alone is the identity.
        return _digest(slug, "api", ctx.idempotency_key)
    if ctx.form_nonce:
        # A cached page hands one nonce to many readers: only the same nonce *and* the
        # same content is a resubmission (double click, refresh, retry).
        return _digest(slug, "form", ctx.form_nonce, fingerprint)
    return None


def submit(
    store: CommentStore,
    signing: Signing,
    site: SiteConfig,
    post: PostMeta,
    sub: Submission,
    ctx: Context,
) -> Comment:
    """Moderate and store a valid submission; return the stored comment (or the replayed one)."""
    moment = dt.datetime.fromtimestamp(ctx.now, dt.UTC)
    if not comments_open(post, site, moment.date()):
        raise CommentsClosed()
    policy = site.comments
    comment_id = new_comment_id(ctx.now)
    parent = None
    path, parent_id = comment_id, None
    if sub.parent_id:
        parent = comment_on(store, post.slug, sub.parent_id, "approved")
        if parent is None:
            raise InvalidComment({"parent_id": "The comment you are replying to does not exist."})
        # Past the deepest level, a reply joins its parent's thread as a sibling.
        if parent.depth + 1 >= policy.thread_depth:
            path = parent.path.rsplit("/", 1)[0] + "/" + comment_id if parent.depth else comment_id
            parent_id = parent.parent_id
        else:
            path, parent_id = f"{parent.path}/{comment_id}", parent.id
    email_hash = signing.email_hash(sub.email)
    verdict = classify(
        sub,
        policy,
        author_is_trusted=lambda: store.author_is_trusted(email_hash),
        honeypot=ctx.honeypot,
        form_age=ctx.form_age,
    )
    comment = Comment(
        id=comment_id,
        post=post.slug,
        path=path,
        parent_id=parent_id,
        author=sub.author,
        email=sub.email,
        url=sub.url,
        body=sub.body,
        html=render_comment(sub.body),
        status=verdict.status,
        created_at=moment.isoformat(timespec="milliseconds").replace("+00:00", "Z"),
        email_hash=email_hash,
        client_hash=signing.keyed_hash("client", ctx.client_ip),
        notify=sub.notify,
    )
    fingerprint = _digest(
        post.slug, sub.author, sub.email.lower(), sub.url, sub.body, sub.parent_id or ""
    )
    guards = Guards(
        duplicate_digest=_digest(sub.email.lower(), " ".join(sub.body.split())),
        client_hash=comment.client_hash,
        flood_seconds=policy.flood_seconds,
        idempotency_digest=_idempotency_digest(post.slug, ctx, fingerprint),
        request_fingerprint=fingerprint,
    )
    return store.add(comment, guards, ctx.now, parent)
