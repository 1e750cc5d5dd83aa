"""The moderators' reads: lists per status (filtered by post or email at a bounded cost),
the per-status counts, an author's reputation, and a post's newest approved comments."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Protocol

from chalicelib.comments import table as t
from chalicelib.comments.model import STATUSES, Comment, CommentPage, Position

# A filtered list reads at most this many index pages of `limit` items per request: a
# filter that matches little returns a short page and a cursor, never a long scan.
FILTERED_READS = 4
# The comments feed reads at most this many comments, from the end of the post's thread
# order (the newest threads), to pick the newest 50.
FEED_WINDOW = 500


@dataclass(frozen=True)
class ListFilter:
    """Narrow a moderation list to one post, or to one email (by its keyed hash)."""

    post: str = ""
    email_hash: str = ""

    def expression(self) -> tuple[str, dict[str, Any]] | None:
        parts, values = [], {}
        if self.post:
            parts.append("post = :post")
            values[":post"] = {"S": self.post}
        if self.email_hash:
            parts.append("email_hash = :eh")
            values[":eh"] = {"S": self.email_hash}
        return (" AND ".join(parts), values) if parts else None


class QueueReads:
    """Reads for the moderation screen; CommentStore mixes them in."""

    client: Any
    table: str

    def _item_at(self, key: dict[str, Any]) -> dict[str, Any] | None:
        raise NotImplementedError

    def status_counts(self) -> dict[str, int]:
        """How many comments have each status, from the counter item every status change
        updates in its own transaction."""
        found = self._item_at(t.status_counts_key()) or {}
        return {s: max(0, int(found[s]["N"])) if s in found else 0 for s in STATUSES}

    def reputation(self, email_hash: str) -> int:
        """How many approved comments this email has."""
        found = self._item_at(t.author_key(email_hash)) if email_hash else None
        return int(found["approved"]["N"]) if found else 0

    def by_status(
        self, status: str, limit: int = 50, after: Position | None = None
    ) -> tuple[list[Comment], Position | None]:
        """The moderation queue (or any status), newest first: a list without a filter."""
        return self.moderation_list(status, limit, after)

    def moderation_list(
        self,
        status: str,
        limit: int = 20,
        after: Position | None = None,
        where: ListFilter | None = None,
    ) -> tuple[list[Comment], Position | None]:
        """Comments of a status, newest first, from the sparse index, with where to continue.

        With a filter, at most FILTERED_READS Queries of `limit` items each: the page may
        be short, and its cursor goes on from the last item read, not the last one shown.
        """
        query: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": t.STATUS_INDEX,
            "KeyConditionExpression": "GSI1PK = :g",
            "ExpressionAttributeValues": {":g": {"S": t.status_index(status)}},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        filtered = where.expression() if where else None
        if filtered:
            query["FilterExpression"] = filtered[0]
            query["ExpressionAttributeValues"].update(filtered[1])
        if after is not None:
            query["ExclusiveStartKey"] = t.status_start_key(status, after)
        found: list[Comment] = []
        for _ in range(FILTERED_READS if filtered else 1):
            resp = self.client.query(**query)
            found.extend(t.comment_from_item(i) for i in resp.get("Items", []))
            last = resp.get("LastEvaluatedKey")
            if last is None or len(found) >= limit:
                break
            query["ExclusiveStartKey"] = last
        if last is None:
            return found[:limit], None
        if len(found) > limit:
            found = found[:limit]
            return found, found[-1].position
        return found, t.position_from_key(last)


class ApprovedPages(Protocol):
    def approved_page(
        self, slug: str, page_size: int, after: str | None = None, before: str | None = None
    ) -> CommentPage: ...


def newest_approved(store: ApprovedPages, slug: str, count: int = 50) -> list[Comment]:
    """A post's newest approved comments, newest first, for its comments feed.

    Reads backwards from the end of the thread order (where the newest threads are), at
    most FEED_WINDOW comments: a reply to a thread older than that is left out.
    """
    seen: list[Comment] = []
    before: str | None = "~"  # sorts after every comment path (hex digits and "/")
    while before is not None and len(seen) < FEED_WINDOW:
        page = store.approved_page(slug, 100, before=before)
        seen.extend(c for c in page.comments if not c.removed)
        before = page.prev_before
    return sorted(seen, key=lambda c: (c.created_at, c.id), reverse=True)[:count]
