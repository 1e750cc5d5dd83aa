"""CommentStore: comments, counters, guards and reputation in one DynamoDB table.

The key layout lives in comments/table.py; this module only composes reads and
transactions from it.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, replace
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.comments import table as t
from chalicelib.comments.errors import (
    ConcurrentChange,
    DuplicateComment,
    IdempotencyMismatch,
    ParentUnavailable,
    TooFast,
)
from chalicelib.comments.model import STATUSES, Comment, Edit, Moderation
from chalicelib.comments.queue import QueueReads
from chalicelib.comments.reads import CommentReads
from chalicelib.comments.rules import render_comment
from chalicelib.comments.transaction import Transaction, cancelled, reasons

_CONFLICT_RETRIES = 5


@dataclass(frozen=True)
class Guards:
    """Conditions a new comment's write must meet, all in one transaction."""

    duplicate_digest: str
    client_hash: str
    flood_seconds: int
    idempotency_digest: str | None = None
    request_fingerprint: str = ""
    idempotency_ttl: int = 86400


class CommentStore(CommentReads, QueueReads):
    """Comments, counters, guards and reputation in one DynamoDB table."""

    def __init__(self, client: Any, table: str) -> None:
        self.client = client
        self.table = table

    # --- writes -------------------------------------------------------------

    def add(
        self, comment: Comment, guards: Guards, now: float, parent: Comment | None = None
    ) -> Comment:
        """Store a new comment, its guards and its count in one transaction.

        Returns the stored comment: the new one, or on an idempotent retry the
        one stored by the first attempt. Expired guards are overwritten by their
        own conditions: TTL deletion is late (and moto never deletes).
        """
        seconds = int(now)
        comment = replace(comment, duplicate_digest=guards.duplicate_digest)
        tx = self._new_comment(comment)
        dup = t.duplicate_key(comment.post, guards.duplicate_digest)
        tx.put_new("duplicate", {**dup, **t.item({"comment_id": comment.id})})
        expiry = t.item({t.TTL_ATTRIBUTE: seconds + guards.flood_seconds})
        tx.put_unless_live("flood", {**t.rate_key(guards.client_hash), **expiry}, seconds)
        if guards.idempotency_digest:
            record = {
                "comment_id": comment.id,
                "fingerprint": guards.request_fingerprint,
                t.TTL_ATTRIBUTE: seconds + guards.idempotency_ttl,
            }
            key = t.idempotency_key(guards.idempotency_digest)
            tx.put_unless_live("idempotency", {**key, **t.item(record)}, seconds)
        if parent is not None:
            tx.if_status("parent", "ConditionCheck", parent, "approved")
        if comment.status == "approved":
            tx.count(comment, +1)
        tx.tally(None, comment.status)
        try:
            self._write(tx)
        except ClientError as exc:
            if not cancelled(exc):
                raise
            return self._refusal(tx.failed(exc), guards, seconds, exc)
        return comment

    def _refusal(self, failed: set[str], guards: Guards, now: int, exc: ClientError) -> Comment:
        """Why a new comment's transaction was cancelled, as a domain error."""
        if "idempotency" in failed:
            return self._replay(guards)
        if "duplicate" in failed:
            raise DuplicateComment() from exc
        if "flood" in failed:
            raise TooFast(self._retry_after(guards.client_hash, now)) from exc
        if "parent" in failed:
            raise ParentUnavailable() from exc
        raise exc

    def import_comment(self, comment: Comment) -> bool:
        """Store an approved comment brought from elsewhere; False if it is already here."""
        tx = self._new_comment(comment)
        if comment.status == "approved":
            tx.count(comment, +1)
        tx.tally(None, comment.status)
        try:
            self._write(tx)
        except ClientError as exc:
            if tx.failed(exc):
                return False
            raise
        return True

    def _new_comment(self, comment: Comment) -> Transaction:
        """A transaction that writes the comment and the pointer from its id, each only if new."""
        tx = Transaction(self.table)
        tx.put_new("comment", t.comment_item(comment))
        tx.put_new("pointer", t.pointer_item(comment))
        return tx

    def _replay(self, guards: Guards) -> Comment:
        digest = guards.idempotency_digest or ""
        record = t.plain(self._item_at(t.idempotency_key(digest)) or {})
        if record.get("fingerprint") != guards.request_fingerprint:
            raise IdempotencyMismatch()
        stored = self.get(record["comment_id"])
        if stored is None:  # deleted since: the key is spent
            raise IdempotencyMismatch()
        return stored

    def _retry_after(self, client_hash: str, now: int) -> int:
        guard = self._item_at(t.rate_key(client_hash)) or {}
        expires = int(guard.get(t.TTL_ATTRIBUTE, {}).get("N", now + 1))
        return max(1, expires - now)

    def set_status(
        self, comment_id: str, status: str, by: Moderation | None = None
    ) -> Comment | None:
        """Move a comment to `status`, keeping the counts exact, and record who did it (`by`);
        None if it does not exist."""
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        current = self.get(comment_id)
        if current is None or current.status == status:
            return current
        sets = {"#s": ("status", status), "GSI1PK": (None, t.status_index(status))}
        if by is not None:
            sets["#by"] = ("moderated_by", by.by)
            sets["#at"] = ("moderated_at", by.at)
        tx = Transaction(self.table)
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
            tx.count(current, -1)
        if status == "approved":
            tx.count(current, +1)
        tx.tally(current.status, status)
        self._transact(tx)
        if by is None:
            return replace(current, status=status)
        return replace(current, status=status, moderated_by=by.by, moderated_at=by.at)

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
        self._transact(tx)
        return edited

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
        if current.status == "approved":
            tx.count(current, -1)
        tx.tally(current.status, None)
        self._transact(tx)
        return True

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
                return
            except ClientError as exc:
                codes = set(reasons(exc))
                conflict_only = "TransactionConflict" in codes and codes <= {
                    "TransactionConflict",
                    "None",
                }
                if not conflict_only or attempt == _CONFLICT_RETRIES:
                    raise
                time.sleep(random.uniform(0, 0.02 * 2**attempt))  # noqa: S311 - jitter

    def _transact(self, tx: Transaction) -> None:
        try:
            self._write(tx)
        except ClientError as exc:
            if cancelled(exc):
                raise ConcurrentChange() from exc
            raise

    # --- privacy -----------------------------------------------------------

    def erase_email(self, email_hash: str) -> int:
        """Delete every comment and the reputation stored for an email; return how many comments."""
        comments = self.by_email(email_hash)
        for comment in comments:
            self.delete(comment.id)
        self.client.delete_item(TableName=self.table, Key=t.author_key(email_hash))
        return len(comments)
