"""CommentStore: comments, counters, guards and reputation in one DynamoDB table.

The key layout lives in comments/table.py; this module only composes reads and
transactions from it.
"""

from __future__ import annotations

import random
import time
from collections.abc import Callable
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
from chalicelib.comments.page_cache import PageCache
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


def _key_id(key: dict[str, Any]) -> tuple[str, str]:
    return key["PK"]["S"], key["SK"]["S"]


class CommentStore(CommentReads, QueueReads):
    """Comments, counters, guards and reputation in one DynamoDB table."""

    def __init__(
        self,
        client: Any,
        table: str,
        cache_ttl: float = 0.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.client = client
        self.table = table
        self.pages = PageCache(ttl=cache_ttl, clock=clock)

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
        guard = {"comment_id": comment.id, "fingerprint": guards.request_fingerprint}
        tx.put_new("duplicate", {**dup, **t.item(guard)})
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
            return self._refusal(comment.post, tx.failed(exc), guards, seconds, exc)
        return comment

    def _refusal(
        self, post: str, failed: set[str], guards: Guards, now: int, cause: Exception | None
    ) -> Comment:
        """The comment already stored for this submission, or why it is refused (raised)."""
        if "idempotency" in failed:
            return self._replay(guards)
        if "duplicate" in failed:
            return self._same_submission(post, guards, cause)
        if "flood" in failed:
            raise TooFast(self._retry_after(guards.client_hash, now)) from cause
        if "parent" in failed:
            raise ParentUnavailable() from cause
        raise cause or RuntimeError(f"no refusal for {sorted(failed)}")

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

    def settled(self, post: str, guards: Guards, now: float) -> Comment | None:
        """Before a new comment is rendered: the comment this submission already stored (a
        retry), or the refusal its write would meet (raised); None when it may go ahead.

        One BatchGetItem, so a flood of large bodies is turned away before any Markdown is
        parsed; the write's own conditions still decide races.
        """
        keys = {
            "flood": t.rate_key(guards.client_hash),
            "duplicate": t.duplicate_key(post, guards.duplicate_digest),
        }
        if guards.idempotency_digest:
            keys["idempotency"] = t.idempotency_key(guards.idempotency_digest)
        found = self._items_at(list(keys.values()))
        live = {
            name
            for name, k in keys.items()
            if (got := found.get(_key_id(k))) is not None
            and int(got.get(t.TTL_ATTRIBUTE, {}).get("N", now + 1)) > now
        }
        if not live:
            return None
        return self._refusal(post, live, guards, int(now), None)

    def _same_submission(self, post: str, guards: Guards, cause: Exception | None) -> Comment:
        """This email's text is already here. Sent again exactly as stored, it is a retry whose
        answer was lost: the stored comment is the answer. Otherwise, a duplicate."""
        guard = t.plain(self._item_at(t.duplicate_key(post, guards.duplicate_digest)) or {})
        stored = None
        if guard.get("fingerprint") == guards.request_fingerprint and guard.get("comment_id"):
            stored = self.get(str(guard["comment_id"]))
        if stored is None:
            raise DuplicateComment() from cause
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
        if current is None or current.removed:
            return None  # a removed comment is a placeholder in a thread: nothing to moderate
        if current.status == status:
            return current
        updated = replace(current, status=status)
        if by is not None:
            updated = replace(updated, moderated_by=by.by, moderated_at=by.at)
        tx = Transaction(self.table)
        if t.partition(updated) != t.partition(current):
            self._move(tx, current, updated)
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
            tx.count(current, -1)
        if status == "approved":
            tx.count(current, +1)
        tx.tally(current.status, status)
        self._transact(tx)
        return updated

    @staticmethod
    def _move(tx: Transaction, current: Comment, updated: Comment) -> None:
        """Into or out of the post's partition: the item moves, and its pointer with it."""
        tx.if_status("comment", "Delete", current, current.status)
        tx.put_new("moved", t.comment_item(updated))
        tx.add(
            "pointer",
            "Update",
            Key=t.pointer_key(current.id),
            UpdateExpression="SET pk = :pk",
            ExpressionAttributeValues={":pk": {"S": t.partition(updated)}},
        )

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
            tx.touch(current.post)  # readers see the edit: the thread's version moves
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
        if current.status == "approved" and not current.removed:
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
                for slug in tx.threads:
                    self.pages.forget(slug)
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

    def erase_email(self, email_hash: str, track: Any = None) -> int:
        """Erase every comment and the reputation stored for an email; return how many comments.

        A comment with replies is emptied instead of deleted (see `remove`), so its replies
        stay in their thread under "Comment removed"; any other is deleted."""
        comments = self.by_email(email_hash)
        for comment in track(comments, "erasing") if track else comments:
            if self.has_replies(comment):
                self.remove(comment)
            else:
                self.delete(comment.id)
        self.client.delete_item(TableName=self.table, Key=t.author_key(email_hash))
        return len(comments)

    def has_replies(self, comment: Comment) -> bool:
        """Whether any comment (of any status) sits under this one in its thread."""
        resp = self.client.query(
            TableName=self.table,
            KeyConditionExpression="PK = :pk AND begins_with(SK, :below)",
            ExpressionAttributeValues={
                ":pk": {"S": t.post_pk(comment.post)},
                ":below": {"S": t.sort_key(comment.path + "/")},
            },
            Limit=1,
        )
        return bool(resp.get("Items"))

    def remove(self, comment: Comment) -> None:
        """Replace a comment by a placeholder with no personal data, in place, in one
        transaction: its duplicate guard goes, and an approved one leaves the count."""
        tombstone = replace(
            comment,
            author="",
            email="",
            body="",
            html="",
            url="",
            email_hash="",
            client_hash="",
            notify=False,
            duplicate_digest="",
            removed=True,
        )
        tx = Transaction(self.table)
        tx.add(
            "comment",
            "Put",
            Item=t.comment_item(tombstone),
            ConditionExpression="#s = :old",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":old": {"S": comment.status}},
        )
        if comment.duplicate_digest:
            tx.add(
                "duplicate", "Delete", Key=t.duplicate_key(comment.post, comment.duplicate_digest)
            )
        if comment.status == "approved" and not comment.removed:
            tx.count(comment, -1)
        self._transact(tx)
