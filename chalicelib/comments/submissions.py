"""New comments: the guards a submission must pass, checked before rendering and enforced by
the write's own conditions (a retry, a flood, a duplicate, a reply to a vanished parent)."""

from __future__ import annotations

from dataclasses import dataclass, replace

from botocore.exceptions import ClientError

from chalicelib.comments import table as t
from chalicelib.comments.errors import (
    DuplicateComment,
    IdempotencyMismatch,
    ParentUnavailable,
    TooFast,
)
from chalicelib.comments.model import Comment
from chalicelib.comments.transaction import Transaction, cancelled
from chalicelib.comments.writer import Writer


@dataclass(frozen=True)
class Guards:
    """Conditions a new comment's write must meet, all in one transaction."""

    duplicate_digest: str
    client_hash: str
    flood_seconds: int
    idempotency_digest: str | None = None
    request_fingerprint: str = ""
    idempotency_ttl: int = 86400


class NewComments(Writer):
    """Storing new comments, from readers and from imports."""

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

    def import_comment(self, comment: Comment, store_page: bool = True) -> bool:
        """Store an approved comment brought from elsewhere; False if it is already here.
        Without `store_page`, its thread's first page is left for `rebuild_first_page`
        (an import stores each post's page once, at its end)."""
        tx = self._new_comment(comment, store_page)
        try:
            self._write(tx)
        except ClientError as exc:
            if tx.failed(exc):
                return False
            raise
        return True

    def _new_comment(self, comment: Comment, store_page: bool = True) -> Transaction:
        """A transaction that writes the comment and the pointer from its id, each only if new,
        and counts it (in its post's thread when approved, and by status)."""
        tx = Transaction(self.table, store_page)
        tx.put_new("comment", t.comment_item(comment))
        tx.put_new("pointer", t.pointer_item(comment))
        if comment.status == "approved":
            tx.thread(comment, comment, +1)
        tx.tally(None, comment.status)
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
            if (got := found.get(t.key_of(k))) is not None
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
