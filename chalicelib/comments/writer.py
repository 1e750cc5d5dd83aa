"""The base of the comment store's writes: transactions retried on conflicts, and deletion."""

from __future__ import annotations

import random
import time

from botocore.exceptions import ClientError

from chalicelib.comments import table as t
from chalicelib.comments.errors import ConcurrentChange
from chalicelib.comments.page_cache import PageCache
from chalicelib.comments.reads import CommentReads
from chalicelib.comments.transaction import Transaction, cancelled, reasons
from chalicelib.faults import Unavailable

_CONFLICT_RETRIES = 5
# Reasons a transaction is cancelled that say "not now" rather than "no".
_TRANSIENT = {
    "TransactionConflict",
    "ThrottlingError",
    "ProvisionedThroughputExceeded",
    "RequestLimitExceeded",
}


class Writer(CommentReads):
    """Writes one conditional transaction at a time; the store's write rooms build on it."""

    pages: PageCache

    def _write(self, tx: Transaction) -> None:
        """One transaction, retried while DynamoDB cancels it only for a conflict.

        Concurrent comments on one post all update its counter item, and DynamoDB
        cancels a transaction that collides with another (TransactionConflict);
        botocore does not retry that. The conditions make a retry safe: it can
        never store or count anything twice.
        """
        for attempt in range(_CONFLICT_RETRIES + 1):
            try:
                self.client.transact_write_items(TransactItems=tx.items)
                for slug in tx.threads:
                    self.pages.forget(slug)
                return
            except ClientError as exc:
                codes = set(reasons(exc)) - {"None"}
                if not codes or "ConditionalCheckFailed" in codes:
                    raise  # not cancelled, or cancelled for a reason the caller names
                if not codes <= _TRANSIENT:
                    raise
                if codes != {"TransactionConflict"}:  # throttled: nothing was refused
                    raise Unavailable("dynamodb", ", ".join(sorted(codes))) from exc
                if attempt == _CONFLICT_RETRIES:
                    raise Unavailable("dynamodb", "conflicts went on") from exc
                time.sleep(random.uniform(0, 0.02 * 2**attempt))  # noqa: S311 - jitter

    def _transact(self, tx: Transaction) -> None:
        try:
            self._write(tx)
        except ClientError as exc:
            if cancelled(exc):
                raise ConcurrentChange() from exc
            raise

    def delete(self, comment_id: str) -> bool:
        """Delete a comment with its pointer and duplicate guard; False if it does not exist."""
        current = self.get(comment_id)
        if current is None:
            return False
        tx = Transaction(self.table)
        tx.if_status("comment", "Delete", current, current.status)
        tx.add("pointer", "Delete", Key=t.pointer_key(current.id))
        if current.duplicate_digest:
            dup = t.duplicate_key(current.post, current.duplicate_digest)
            tx.add("duplicate", "Delete", Key=dup)
        if current.status == "approved" and not current.removed:
            tx.count(current, -1)
        elif current.status == "approved":
            tx.touch(current.post)  # a placeholder leaves the page: its thread changes
        if not current.removed:  # a placeholder left the per-status counts when made
            tx.tally(current.status, None)
        self._transact(tx)
        return True
