"""Emails driven by the comment table's stream: the moderation queue, and replies.

Moderators get one email per stream batch listing the comments that wait for them.
A commenter who ticked "Email me when someone replies" gets an email when a reply
to their comment is approved (never before, and never for their own replies).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import quote

from chalicelib.comments.model import Comment
from chalicelib.comments.store import CommentStore
from chalicelib.comments.table import stream_change
from chalicelib.posts.site import SiteConfig

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Change:
    """A comment as a stream record shows it, and its status before (None when new)."""

    comment: Comment
    old_status: str | None

    @property
    def status(self) -> str:
        return self.comment.status


def comment_changes(records: Iterable[Mapping[str, Any]]) -> list[Change]:
    """Comment inserts and updates from raw DynamoDB stream records; other items are ignored."""
    return [Change(*found) for record in records if (found := stream_change(record))]


@dataclass(frozen=True)
class Email:
    to: tuple[str, ...]
    subject: str
    text: str


def _post_url(site: SiteConfig, slug: str, comment_id: str | None = None) -> str:
    url = f"{site.url}/posts/{quote(slug)}"
    return f"{url}#comment-{comment_id}" if comment_id else url


def moderation_email(site: SiteConfig, changes: list[Change]) -> Email | None:
    """One email for every comment of the batch that newly waits for moderation."""
    waiting = [c.comment for c in changes if c.status == "pending" and c.old_status != "pending"]
    if not waiting or not site.comments.moderator_emails:
        return None
    lines = [f"{len(waiting)} comment(s) on {site.title} wait for moderation:", ""]
    for comment in waiting:
        excerpt = " ".join(comment.body.split())[:200]
        lines += [
            f"- {comment.author} on {_post_url(site, comment.post)}",
            f"  {excerpt}",
            f'  approve: make cli ARGS="comments approve {comment.id}"',
            "",
        ]
    return Email(
        to=site.comments.moderator_emails,
        subject=f"[{site.title}] {len(waiting)} comment(s) awaiting moderation",
        text="\n".join(lines),
    )


def reply_emails(site: SiteConfig, store: CommentStore, changes: list[Change]) -> list[Email]:
    """Emails to the authors of comments that just got an approved reply, when they asked."""
    emails = []
    for change in changes:
        reply = change.comment
        if change.status != "approved" or change.old_status == "approved":
            continue
        if not reply.parent_id:
            continue
        parent = store.get(reply.parent_id)
        if parent is None or not parent.notify or parent.status != "approved" or not parent.email:
            continue
        if parent.email.lower() == reply.email.lower():
            continue  # nobody needs telling about their own reply
        url = _post_url(site, parent.post, reply.id)
        emails.append(
            Email(
                to=(parent.email,),
                subject=f"[{site.title}] {reply.author} replied to your comment",
                text=(
                    f"{reply.author} replied to your comment on {site.title}:\n\n"
                    f"{' '.join(reply.body.split())[:500]}\n\n"
                    f"Read it and answer: {url}\n\n"
                    "You get this email because you asked to be told about replies."
                ),
            )
        )
    return emails


def send(ses: Any, sender: str, emails: Iterable[Email]) -> int:
    sent = 0
    for email in emails:
        ses.send_email(
            Source=sender,
            Destination={"ToAddresses": list(email.to)},
            Message={
                "Subject": {"Data": email.subject, "Charset": "UTF-8"},
                "Body": {"Text": {"Data": email.text, "Charset": "UTF-8"}},
            },
        )
        sent += 1
    return sent


def handle_batch(
    records: Iterable[Mapping[str, Any]],
    site: SiteConfig,
    store: CommentStore,
    ses: Any,
    sender: str,
) -> int:
    """Process one stream batch; return how many emails were sent."""
    if not sender:
        return 0
    changes = comment_changes(records)
    if not changes:
        return 0
    emails = reply_emails(site, store, changes)
    queue = moderation_email(site, changes)
    if queue is not None:
        emails.append(queue)
    sent = send(ses, sender, emails)
    log.info("sent %d notification email(s) for %d comment change(s)", sent, len(changes))
    return sent
