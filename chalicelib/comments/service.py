"""The comment service: takes plain values and the stores, raises domain errors."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from chalicelib.comments.errors import CommentsClosed, InvalidComment
from chalicelib.comments.model import Comment, make_comment, new_comment_id
from chalicelib.comments.rules import FormSignals, Submission, check_form_age, classify
from chalicelib.comments.store import CommentStore, Guards
from chalicelib.posts.model import PostMeta
from chalicelib.posts.site import SiteConfig
from chalicelib.signing import Signing, digest


@dataclass(frozen=True)
class Context:
    """Where a submission came from: the client, the time, and how it asked to be deduplicated."""

    client_ip: str
    now: float
    idempotency_key: str | None = None  # API: the client's Idempotency-Key
    form_nonce: str | None = None  # form: the nonce of the page's signed form token
    form: FormSignals | None = None  # form: the honeypot and the page's age


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


def _idempotency_digest(slug: str, ctx: Context, fingerprint: str) -> str | None:
    if ctx.idempotency_key:
        # A reused key with other content must be refused, so the key alone is the identity.
        return digest(slug, "api", ctx.idempotency_key)
    if ctx.form_nonce:
        # A cached page hands one nonce to many readers: only the same nonce *and* the
        # same content is a resubmission (double click, refresh, retry).
        return digest(slug, "form", ctx.form_nonce, fingerprint)
    return None


def _position(
    store: CommentStore, slug: str, comment_id: str, parent_id: str | None, depth: int
) -> tuple[str, str | None, Comment | None]:
    """Where a new comment goes: its path, its parent's id, and the parent it needs."""
    if not parent_id:
        return comment_id, None, None
    parent = comment_on(store, slug, parent_id, "approved")
    if parent is None or parent.removed:
        raise InvalidComment({"parent_id": "The comment you are replying to does not exist."})
    if parent.depth + 1 < depth:
        return f"{parent.path}/{comment_id}", parent.id, parent
    # Past the deepest level, a reply joins its parent's thread as a sibling.
    siblings = parent.path.rsplit("/", 1)[0] + "/" if parent.depth else ""
    return siblings + comment_id, parent.parent_id, parent


def _guards(
    signing: Signing, slug: str, sub: Submission, ctx: Context, flood_seconds: int
) -> Guards:
    """What the submission's write must not collide with: a retry of it, the same text
    from the same email, the client's last comment."""
    email = sub.email.lower()
    fingerprint = digest(slug, sub.author, email, sub.url, sub.body, sub.parent_id or "")
    return Guards(
        duplicate_digest=digest(email, " ".join(sub.body.split())),
        client_hash=signing.keyed_hash("client", ctx.client_ip),
        flood_seconds=flood_seconds,
        idempotency_digest=_idempotency_digest(slug, ctx, fingerprint),
        request_fingerprint=fingerprint,
    )


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
    if ctx.form is not None:
        check_form_age(ctx.form, policy)
    comment_id = new_comment_id(ctx.now)
    path, parent_id, parent = _position(
        store, post.slug, comment_id, sub.parent_id, policy.thread_depth
    )
    email_hash = signing.email_hash(sub.email)
    guards = _guards(signing, post.slug, sub, ctx, policy.flood_seconds)
    # The cheap guards first: a retry, a flood or a duplicate is answered before any
    # Markdown is rendered.
    stored = store.settled(post.slug, guards, ctx.now)
    if stored is not None:
        return stored
    verdict = classify(
        sub, policy, author_is_trusted=lambda: store.author_is_trusted(email_hash), signals=ctx.form
    )
    comment = make_comment(
        id=comment_id,
        post=post.slug,
        path=path,
        parent_id=parent_id,
        author=sub.author,
        email=sub.email,
        url=sub.url,
        body=sub.body,
        status=verdict.status,
        created=moment,
        email_hash=email_hash,
        client_hash=guards.client_hash,
        notify=sub.notify,
        reason=verdict.reason,
    )
    return store.add(comment, guards, ctx.now, parent)
