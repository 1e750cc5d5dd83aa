"""Emails driven by the comment table's stream: the moderation queue, and replies.

Moderators get one email per stream batch listing the comments that newly wait for them,
each with a signed review link. A commenter who ticked "Email me when someone replies"
gets an email when a reply to their comment is approved (never before, never for their
own replies, never after unsubscribing), with a one-click unsubscribe link (RFC 8058).

Each email is claimed in the table before it is sent, and the claim released if sending
fails: a retried batch never sends an email twice. A failure is reported per record
(ReportBatchItemFailures), so that the stream retries from the first record that failed.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from chalicelib.comments.ledger import Ledger
from chalicelib.comments.mail import Email, Mailer
from chalicelib.comments.model import Comment
from chalicelib.comments.store import CommentStore
from chalicelib.comments.table import stream_change
from chalicelib.posts.site import SiteConfig
from chalicelib.signing import Signing, digest

log = logging.getLogger(__name__)
SENT_KEPT_SECONDS = 7 * 86400  # longer than a stream record lives (24 h), so longer than retries


@dataclass(frozen=True)
class Change:
    """A comment as a stream record shows it, its status before (None when new), and the
    record's sequence number."""

    comment: Comment
    old_status: str | None
    sequence: str = ""

    @property
    def status(self) -> str:
        return self.comment.status


def comment_changes(records: Iterable[Mapping[str, Any]]) -> list[Change]:
    """Comment inserts and updates from raw DynamoDB stream records; other items are ignored."""
    return [
        Change(*found, sequence=str(record.get("dynamodb", {}).get("SequenceNumber", "")))
        for record in records
        if (found := stream_change(record))
    ]


@dataclass(frozen=True)
class Outgoing:
    """An email, the name of its claim, and the stream records it comes from."""

    email: Email
    claim: str
    sequences: tuple[str, ...]


def _digest(*parts: str) -> str:
    return digest(*parts)[:40]


def _post_url(site: SiteConfig, slug: str, comment_id: str | None = None) -> str:
    url = f"{site.url}/posts/{quote(slug)}"
    return f"{url}#comment-{comment_id}" if comment_id else url


def moderation_email(site: SiteConfig, signing: Signing, changes: list[Change]) -> Outgoing | None:
    """One email for every comment of the batch that newly waits for moderation."""
    # A comment a moderator sent back to pending (moderated_by set) is theirs already.
    waiting = [
        c
        for c in changes
        if c.status == "pending" and c.old_status != "pending" and not c.comment.moderated_by
    ]
    if not waiting or not site.comments.moderator_emails:
        return None
    lines = [f"{len(waiting)} comment(s) on {site.title} wait for moderation:", ""]
    for change in waiting:
        comment = change.comment
        excerpt = " ".join(comment.body.split())[:200]
        review = f"{site.url}/admin/review/{signing.review_token(comment.id)}"
        lines += [
            f"- {comment.author} on {_post_url(site, comment.post)}",
            f"  {excerpt}",
            f"  Review it (approve, spam or trash; the link works for 7 days): {review}",
            f'  Or from a terminal: make cli ARGS="comments approve {comment.id}"',
            "",
        ]
    email = Email(
        to=site.comments.moderator_emails,
        subject=f"[{site.title}] {len(waiting)} comment(s) awaiting moderation",
        text="\n".join(lines),
    )
    ids = sorted(c.comment.id for c in waiting)
    return Outgoing(email, _digest("moderation", *ids), tuple(c.sequence for c in waiting))


def _reply_email(site: SiteConfig, signing: Signing, parent: Comment, reply: Comment) -> Email:
    unsubscribe = f"{site.url}/comments/unsubscribe/{signing.unsubscribe_token(parent.email_hash)}"
    return Email(
        to=(parent.email,),
        subject=f"[{site.title}] {reply.author} replied to your comment",
        text=(
            f"{reply.author} replied to your comment on {site.title}:\n\n"
            f"{' '.join(reply.body.split())[:500]}\n\n"
            f"Read it and answer: {_post_url(site, parent.post, reply.id)}\n\n"
            "You get this email because you asked to be told about replies.\n"
            f"To get no more of them, on any post: {unsubscribe}"
        ),
        headers=(
            ("List-Unsubscribe", f"<{unsubscribe}>"),
            ("List-Unsubscribe-Post", "List-Unsubscribe=One-Click"),
        ),
    )


def reply_emails(
    site: SiteConfig, signing: Signing, store: CommentStore, ledger: Ledger, changes: list[Change]
) -> list[Outgoing]:
    """Emails to the authors of comments that just got an approved reply, when they asked."""
    emails = []
    for change in changes:
        reply = change.comment
        if change.status != "approved" or change.old_status == "approved" or not reply.parent_id:
            continue
        parent = store.get(reply.parent_id)
        if parent is None or not parent.notify or parent.status != "approved" or not parent.email:
            continue
        if parent.email.lower() == reply.email.lower():
            continue  # nobody needs telling about their own reply
        if ledger.unsubscribed(parent.email_hash):
            continue
        email = _reply_email(site, signing, parent, reply)
        emails.append(Outgoing(email, _digest("reply", reply.id), (change.sequence,)))
    return emails


def send(mailer: Mailer, ledger: Ledger, outgoing: Iterable[Outgoing], now: int) -> list[str]:
    """Send each email not sent before; return the sequence numbers of the records whose
    email could not be sent (its claim released, so that a retry sends it)."""
    failed: list[str] = []
    for out in outgoing:
        if not ledger.claim(out.claim, now, SENT_KEPT_SECONDS):
            log.info("email %s was sent before: not again", out.claim[:12])
            continue
        try:
            mailer.send(out.email)
        except Exception:  # an address SES rejects, a throttle: this record fails, not the batch
            log.exception("could not send email %s", out.claim[:12])
            ledger.release(out.claim)
            failed.extend(out.sequences)
    return failed


@dataclass(frozen=True)
class Sources:
    """What a batch needs: the site, the stores, the signing keys and where emails go."""

    site: SiteConfig
    store: CommentStore
    ledger: Ledger
    signing: Signing
    mailer: Mailer


def handle_batch(records: list[Mapping[str, Any]], sources: Sources, now: int) -> dict[str, Any]:
    """Process one stream batch; answer Lambda's partial batch response."""
    changes = comment_changes(records)
    if not changes:
        return {"batchItemFailures": []}
    s = sources
    outgoing = reply_emails(s.site, s.signing, s.store, s.ledger, changes)
    queue = moderation_email(s.site, s.signing, changes)
    if queue is not None:
        outgoing.append(queue)
    failed = send(s.mailer, s.ledger, outgoing, now)
    log.info(
        "%d notification email(s), %d failed, for %d comment change(s)",
        len(outgoing),
        len(failed),
        len(changes),
    )
    if failed and not all(failed):
        raise RuntimeError("a failed record has no sequence number: retry the whole batch")
    return {"batchItemFailures": [{"itemIdentifier": seq} for seq in failed]}
