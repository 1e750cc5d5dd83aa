"""The base of the comment store's writes: transactions retried on conflicts, and deletion."""

from __future__ import annotations

import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.comments import first_page
from chalicelib.comments import table as t
from chalicelib.comments.errors import ConcurrentChange
from chalicelib.comments.model import Comment, CommentPage
from chalicelib.comments.page_cache import PageCache
from chalicelib.comments.pages import PageQuery, first_comments, page_of
from chalicelib.comments.reads import CommentReads
from chalicelib.comments.transaction import (
    ThreadChange,
    Transaction,
    cancelled,
    counter_update,
    reasons,
)
from chalicelib.faults import Unavailable

_CONFLICT_RETRIES = 5
# Reasons a transaction is cancelled that say "not now" rather than "no".
_TRANSIENT = {
    "TransactionConflict",
    "ThrottlingError",
    "ProvisionedThroughputExceeded",
    "RequestLimitExceeded",
}


@dataclass
class _ThreadParts:
    """The parts a transaction gains for the threads it changes, and the first pages the
    container keeps once it is written."""

    items: list[dict[str, Any]] = field(default_factory=list)
    pages: dict[str, tuple[PageQuery, CommentPage, int] | None] = field(default_factory=dict)

    def add(self, part: dict[str, Any]) -> None:
        self.items.append(part)

    def remember(self, cache: PageCache) -> None:
        for slug, ready in self.pages.items():
            cache.forget(slug)
            if ready is not None:
                cache.put(*ready)


class Writer(CommentReads):
    """Writes one conditional transaction at a time; the store's write rooms build on it."""

    pages: PageCache
    page_size: Callable[[], int | None]  # the site's first page; None: unknown just now

    def _write(self, tx: Transaction) -> None:
        """One transaction, retried while DynamoDB cancels it only for a conflict.

        Concurrent comments on one post all update its counter item, and DynamoDB
        cancels a transaction that collides with another (TransactionConflict);
        botocore does not retry that. Nor does it retry a thread that changed between
        reading its first page and writing it (the counter's version condition): the
        page is read again. The conditions make a retry safe: it can never store or
        count anything twice.
        """
        for attempt in range(_CONFLICT_RETRIES + 1):
            threads = self._thread_parts(tx)
            try:
                self.client.transact_write_items(TransactItems=tx.items + threads.items)
                threads.remember(self.pages)
                return
            except ClientError as exc:
                own = set(reasons(exc)[: len(tx.items)]) - {"None"}
                theirs = set(reasons(exc)[len(tx.items) :]) - {"None"}
                if "ConditionalCheckFailed" in own or not own | theirs:
                    raise  # cancelled for a reason the caller names, or not cancelled
                codes = own | (theirs - {"ConditionalCheckFailed"})
                if "ConditionalCheckFailed" in theirs:
                    codes.add("TransactionConflict")  # the thread moved since it was read
                if not codes <= _TRANSIENT:
                    raise
                if codes != {"TransactionConflict"}:  # throttled: nothing was refused
                    raise Unavailable("dynamodb", ", ".join(sorted(codes))) from exc
                if attempt == _CONFLICT_RETRIES:
                    raise Unavailable("dynamodb", "conflicts went on") from exc
                time.sleep(random.uniform(0, 0.02 * 2**attempt))  # noqa: S311 - jitter

    def _thread_parts(self, tx: Transaction) -> _ThreadParts:
        """For each post whose approved thread `tx` changes: its counter, moved on only
        from the version read here, and its first page as it will then stand."""
        parts = _ThreadParts()
        size = self.page_size() if tx.threads else None
        for slug, change in tx.threads.items():
            # The counter first, whole (a GetItem sees a transaction whole or not at all),
            # then the comments (a Query may see one half-done): a change landing between
            # the two moves the version, and the condition below sends this round again.
            count, version = self._counter(slug)
            update = counter_update(slug, change.delta, version)
            parts.add({"Update": {"TableName": self.table, **update}})
            if not (tx.store_pages and size):
                parts.pages[slug] = None
                continue
            # Enough to fill the page after its removals, and one more to know if any follow.
            n = size + 1 + change.removals
            found, unfinished = first_comments(self.client, self.table, slug, n)
            shown = first_page.after_change(found, change.shown)
            page = page_of(PageQuery(slug, size), count + change.delta, shown, unfinished)
            stored = first_page.item(slug, page, version + 1, size)
            parts.add({"Put": {"TableName": self.table, "Item": stored}})
            parts.pages[slug] = (PageQuery(slug, size), page, version + 1)
        return parts

    def rebuild_first_page(self, slug: str) -> None:
        """Store a post's first page as it stands (a thread nobody changed since the
        upgrade); its version moves, so every container reads it again."""
        tx = Transaction(self.table)
        tx.threads[slug] = ThreadChange()
        self._write(tx)

    def _transact(self, tx: Transaction) -> None:
        try:
            self._write(tx)
        except ClientError as exc:
            if cancelled(exc):
                raise ConcurrentChange() from exc
            raise

    def delete(self, comment_id: str, current: Comment | None = None) -> bool:
        """Delete a comment with its pointer and duplicate guard; False if it does not exist.
        `current`: the comment as the caller just read it (the delete holds only while its
        status is still the one read)."""
        current = current if current and current.id == comment_id else self.get(comment_id)
        if current is None:
            return False
        tx = Transaction(self.table)
        tx.if_status("comment", "Delete", current, current.status)
        tx.add("pointer", "Delete", Key=t.pointer_key(current.id))
        if current.duplicate_digest:
            dup = t.duplicate_key(current.post, current.duplicate_digest)
            tx.add("duplicate", "Delete", Key=dup)
        if current.status == "approved":  # a placeholder leaves the page too, uncounted
            tx.thread(current, None, 0 if current.removed else -1)
        if not current.removed:  # a placeholder left the per-status counts when made
            tx.tally(current.status, None)
        self._transact(tx)
        return True
