"""CommentStore: comments, counters, guards and reputation in one DynamoDB table.

The key layout lives in comments/table.py; the store's rooms compose reads and transactions
from it: reads.py and queue.py (reads), submissions.py (new comments), privacy.py
(erasure), writer.py (transactions and deletion), and here, moderation.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import replace
from typing import Any

from chalicelib.comments import table as t
from chalicelib.comments.model import STATUSES, Comment, Edit, Moderation
from chalicelib.comments.page_cache import PageCache
from chalicelib.comments.privacy import Privacy
from chalicelib.comments.queue import QueueReads
from chalicelib.comments.rules import render_comment
from chalicelib.comments.submissions import Guards, NewComments
from chalicelib.comments.transaction import Transaction

__all__ = ["CommentStore", "Guards"]


class CommentStore(NewComments, Privacy, QueueReads):
    """Comments, counters, guards and reputation in one DynamoDB table."""

    def __init__(
        self,
        client: Any,
        table: str,
        cache_ttl: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
        page_size: Callable[[], int | None] = lambda: None,
    ) -> None:
        """`page_size`: the site's comments per page, for the first page each change to a
        thread stores (deps gives site.yaml's); without it none is stored and readers Query."""
        self.client = client
        self.table = table
        self.page_size = page_size
        self.pages = PageCache(ttl=cache_ttl, clock=clock)

    def set_status(
        self,
        comment_id: str,
        status: str,
        by: Moderation | None = None,
        current: Comment | None = None,
    ) -> Comment | None:
        """Move a comment to `status`, keeping the counts exact, and record who did it (`by`);
        None if it does not exist. `current`: the comment as the caller just read it (the
        write holds only while its status is still the one read)."""
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        current = current if current and current.id == comment_id else self.get(comment_id)
        if current is None or current.removed:
            return None  # a removed comment is a placeholder in a thread: nothing to moderate
        if current.status == status:
            return current
        updated = replace(current, status=status)
        if by is not None:
            updated = replace(updated, moderated_by=by.by, moderated_at=by.at)
        tx = Transaction(self.table)
        if t.partition(updated) != t.partition(current):
            tx.move(t.comment_key(current), current.status, updated)
        else:
            sets = {"#s": ("status", status), "GSI1PK": (None, t.status_index(status))}
            if by is not None:
                sets["#by"] = ("moderated_by", by.by)
                sets["#at"] = ("moderated_at", by.at)
            tx.if_status(
                "comment",
                "Update",
                current,
                current.status,
                UpdateExpression="SET " + ", ".join(f"{n} = :v{i}" for i, n in enumerate(sets)),
                ExpressionAttributeNames={n: a for n, (a, _) in sets.items() if a and n != "#s"},
                ExpressionAttributeValues={
                    f":v{i}": {"S": v} for i, (_, v) in enumerate(sets.values())
                },
            )
        if current.status == "approved":
            tx.thread(current, None, -1)
        if status == "approved":
            tx.thread(updated, updated, +1)
        tx.tally(current.status, status)
        self._transact(tx)
        return updated

    def edit(self, comment_id: str, change: Edit, at: str) -> Comment | None:
        """Change a comment's name, website and text, re-rendering its HTML; the write holds
        only if nobody changed its status or text meanwhile. None if it does not exist."""
        current = self.get(comment_id)
        if current is None:
            return None
        edited = replace(
            current,
            author=change.author,
            url=change.url,
            body=change.body,
            html=render_comment(change.body),
            edited_at=at,
        )
        values = {":a": edited.author, ":b": edited.body, ":h": edited.html, ":e": at}
        update = "SET #a = :a, #b = :b, #h = :h, #e = :e"
        update += ", #u = :u" if edited.url else " REMOVE #u"
        if edited.url:
            values[":u"] = edited.url
        tx = Transaction(self.table)
        tx.if_status(
            "comment",
            "Update",
            current,
            current.status,
            UpdateExpression=update,
            ConditionExpression="#s = :old AND #b = :was",
            ExpressionAttributeNames={
                "#a": "author",
                "#b": "body",
                "#h": "html",
                "#e": "edited_at",
                "#u": "url",
            },
            ExpressionAttributeValues={
                ":was": {"S": current.body},
                **{k: {"S": v} for k, v in values.items()},
            },
        )
        if current.status == "approved":
            tx.thread(current, edited)  # readers see the edit
        self._transact(tx)
        return edited
