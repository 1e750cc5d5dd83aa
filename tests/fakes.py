"""An in-memory CommentStore with the same contract as the DynamoDB one (see
tests/functional/test_comment_store_contract.py, which runs one suite against both)."""

from __future__ import annotations

from dataclasses import replace

from chalicelib.comments.errors import (
    DuplicateComment,
    IdempotencyMismatch,
    ParentUnavailable,
    TooFast,
)
from chalicelib.comments.model import STATUSES, Comment, CommentPage, Edit, Moderation, Position
from chalicelib.comments.queue import ListFilter
from chalicelib.comments.rules import render_comment
from chalicelib.comments.store import Guards


class FakeCommentStore:
    """Comments, counters, guards and reputation in dictionaries."""

    def __init__(self) -> None:
        self.comments: dict[str, Comment] = {}
        self.counts: dict[str, int] = {}
        self.approvals: dict[str, int] = {}
        self.duplicates: dict[tuple[str, str], tuple[str, str]] = {}  # -> (id, fingerprint)
        self.floods: dict[str, int] = {}  # client hash -> expiry
        self.idempotency: dict[str, tuple[str, str, int]] = {}  # digest -> (id, print, expiry)

    # --- writes -------------------------------------------------------------

    def settled(self, post: str, guards: Guards, now: float) -> Comment | None:
        seconds = int(now)
        record = self.idempotency.get(guards.idempotency_digest or "")
        if record is not None and record[2] > seconds:
            stored = self.comments.get(record[0])
            if record[1] != guards.request_fingerprint or stored is None:
                raise IdempotencyMismatch()
            return stored
        same = self.duplicates.get((post, guards.duplicate_digest))
        if same is not None:
            if same[1] == guards.request_fingerprint and same[0] in self.comments:
                return self.comments[same[0]]  # a retry whose answer was lost
            raise DuplicateComment()
        expiry = self.floods.get(guards.client_hash, 0)
        if expiry > seconds:
            raise TooFast(max(1, expiry - seconds))
        return None

    def add(
        self, comment: Comment, guards: Guards, now: float, parent: Comment | None = None
    ) -> Comment:
        seconds = int(now)
        stored = self.settled(comment.post, guards, now)
        if stored is not None:
            return stored
        if parent is not None and self._status(parent.id) != "approved":
            raise ParentUnavailable()
        if not self._insert(replace(comment, duplicate_digest=guards.duplicate_digest)):
            raise DuplicateComment()
        key = (comment.post, guards.duplicate_digest)
        self.duplicates[key] = (comment.id, guards.request_fingerprint)
        self.floods[guards.client_hash] = seconds + guards.flood_seconds
        if guards.idempotency_digest:
            self.idempotency[guards.idempotency_digest] = (
                comment.id,
                guards.request_fingerprint,
                seconds + guards.idempotency_ttl,
            )
        return self.comments[comment.id]

    def import_comment(self, comment: Comment, store_page: bool = True) -> bool:
        return self._insert(comment)

    def rebuild_first_page(self, slug: str) -> None:
        """Nothing is stored ahead here: pages are read from the comments themselves."""

    def _insert(self, comment: Comment) -> bool:
        if comment.id in self.comments:
            return False
        self.comments[comment.id] = comment
        if comment.status == "approved":
            self._count(comment, +1)
        return True

    def _status(self, comment_id: str) -> str | None:
        found = self.comments.get(comment_id)
        return found.status if found else None

    def _count(self, comment: Comment, delta: int) -> None:
        self.counts[comment.post] = self.counts.get(comment.post, 0) + delta
        if comment.email_hash:
            self.approvals[comment.email_hash] = self.approvals.get(comment.email_hash, 0) + delta

    def set_status(
        self,
        comment_id: str,
        status: str,
        by: Moderation | None = None,
        current: Comment | None = None,  # the real store's saving of a read: nothing here
    ) -> Comment | None:
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        current = self.comments.get(comment_id)
        if current is None or current.removed:
            return None
        if current.status == status:
            return current
        if current.status == "approved":
            self._count(current, -1)
        if status == "approved":
            self._count(current, +1)
        moved = replace(current, status=status)
        if by is not None:
            moved = replace(moved, moderated_by=by.by, moderated_at=by.at)
        self.comments[comment_id] = moved
        return moved

    def edit(self, comment_id: str, change: Edit, at: str) -> Comment | None:
        current = self.comments.get(comment_id)
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
        self.comments[comment_id] = edited
        return edited

    def delete(self, comment_id: str, current: Comment | None = None) -> bool:
        current = self.comments.pop(comment_id, None)
        if current is None:
            return False
        self.duplicates.pop((current.post, current.duplicate_digest), None)
        if current.status == "approved" and not current.removed:
            self._count(current, -1)
        return True

    def erase_email(self, email_hash: str, track: object = None) -> int:
        found = sorted(self.by_email(email_hash), key=lambda c: c.depth, reverse=True)
        for comment in found:
            below = comment.path + "/"
            if any(
                c.post == comment.post and c.path.startswith(below) for c in self.comments.values()
            ):
                self.duplicates.pop((comment.post, comment.duplicate_digest), None)
                if comment.status == "approved":
                    self._count(comment, -1)
                self.comments[comment.id] = replace(
                    comment, author="", email="", body="", html="", url="", email_hash="",
                    client_hash="", notify=False, duplicate_digest="", removed=True,
                )  # fmt: skip
            else:
                self.delete(comment.id)
        self.approvals.pop(email_hash, None)
        return len(found)

    # --- reads --------------------------------------------------------------

    def get(self, comment_id: str) -> Comment | None:
        return self.comments.get(comment_id)

    def approved_count(self, slug: str) -> int:
        return self.counts.get(slug, 0)

    def author_is_trusted(self, email_hash: str) -> bool:
        return self.approvals.get(email_hash, 0) > 0

    def approved_page(
        self,
        slug: str,
        page_size: int,
        after: str | None = None,
        before: str | None = None,
        at: str | None = None,
    ) -> CommentPage:
        thread = sorted(
            (c for c in self.comments.values() if c.post == slug and c.status == "approved"),
            key=lambda c: c.path,
        )
        paths = [c.path for c in thread]
        if before is not None:
            end = sum(1 for p in paths if p < before)
            start = max(0, end - page_size)
            page = thread[start:end]
            return CommentPage(
                count=self.approved_count(slug),
                comments=page,
                next_after=page[-1].path if page else None,
                prev_before=page[0].path if page and start > 0 else None,
            )
        start = sum(1 for p in paths if p <= after) if after is not None else 0
        if at is not None:
            start = sum(1 for p in paths if p < at)
        page = thread[start : start + page_size]
        first = after is None and at is None
        return CommentPage(
            count=self.approved_count(slug),
            comments=page,
            next_after=page[-1].path if page and start + page_size < len(thread) else None,
            prev_before=page[0].path if page and not first else None,
        )

    def by_status(
        self, status: str, limit: int = 50, after: Position | None = None
    ) -> tuple[list[Comment], Position | None]:
        listed = sorted(
            (c for c in self.comments.values() if c.status == status and not c.removed),
            key=lambda c: (c.created_at, c.id),
            reverse=True,
        )
        if after is not None:
            listed = [c for c in listed if (c.created_at, c.id) < (after.created_at, after.id)]
        page = listed[:limit]
        return page, page[-1].position if len(listed) > limit else None

    def status_counts(self) -> dict[str, int]:
        listed = [c.status for c in self.comments.values() if not c.removed]
        return {s: listed.count(s) for s in STATUSES}

    def reputation(self, email_hash: str) -> int:
        return self.approvals.get(email_hash, 0)

    def moderation_list(
        self,
        status: str,
        limit: int = 20,
        after: Position | None = None,
        where: ListFilter | None = None,
    ) -> tuple[list[Comment], Position | None]:
        where = where or ListFilter()
        listed, _ = self.by_status(status, len(self.comments) + 1, after)
        page = [
            c
            for c in listed
            if (not where.post or c.post == where.post)
            and (not where.email_hash or c.email_hash == where.email_hash)
        ]
        return page[:limit], page[limit - 1].position if len(page) > limit else None

    def by_email(self, email_hash: str) -> list[Comment]:
        found = [c for c in self.comments.values() if c.email_hash == email_hash]
        return sorted(found, key=lambda c: c.created_at)
