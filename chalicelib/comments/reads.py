"""The comment table's reads: a comment by id, counts, reputation, pages and queues."""

from __future__ import annotations

import time
from typing import Any

from chalicelib.comments import first_page
from chalicelib.comments import table as t
from chalicelib.comments.model import Comment, CommentPage, is_comment_id
from chalicelib.comments.page_cache import PageCache
from chalicelib.comments.pages import PageQuery, counter_values, read_page
from chalicelib.faults import Unavailable

_BATCH_ATTEMPTS = 3


class CommentReads:
    """Every read of the comment table; CommentStore adds the writes."""

    client: Any
    table: str
    pages: PageCache

    def _item_at(self, key: dict[str, Any]) -> dict[str, Any] | None:
        found: dict[str, Any] | None = self.client.get_item(
            TableName=self.table, Key=key, ConsistentRead=True
        ).get("Item")
        return found

    def _items_at(self, keys: list[dict[str, Any]]) -> dict[tuple[str, str], dict[str, Any]]:
        """Several items in one consistent BatchGetItem, by (PK, SK).

        DynamoDB may leave keys unread when throttled (UnprocessedKeys, which botocore does
        not retry): they are asked again, and if still unread the read is Unavailable;
        an item missing from the answer must always mean an item that does not exist."""
        found: dict[tuple[str, str], dict[str, Any]] = {}
        request: dict[str, Any] = {self.table: {"Keys": keys, "ConsistentRead": True}}
        for attempt in range(_BATCH_ATTEMPTS):
            if attempt:
                time.sleep(0.05 * 2**attempt)
            resp = self.client.batch_get_item(RequestItems=request)
            found.update((t.key_of(i), i) for i in resp.get("Responses", {}).get(self.table, []))
            request = resp.get("UnprocessedKeys") or {}
            if not request:
                return found
        raise Unavailable("dynamodb", "a batch read left keys unread")

    def get(self, comment_id: str) -> Comment | None:
        if not is_comment_id(comment_id):
            return None  # never ask DynamoDB with a key it would refuse (over 2 KB, say)
        pointer = self._item_at(t.pointer_key(comment_id))
        if pointer is None:
            return None
        found = self._item_at(t.pointed_key(pointer))
        return t.comment_from_item(found) if found else None

    def _counter(self, slug: str) -> tuple[int, int]:
        return counter_values(self._item_at(t.count_key(slug)))

    def approved_count(self, slug: str) -> int:
        return self._counter(slug)[0]

    def author_is_trusted(self, email_hash: str) -> bool:
        reputation = self._item_at(t.author_key(email_hash))
        return reputation is not None and int(reputation["approved"]["N"]) > 0

    def approved_page(
        self,
        slug: str,
        page_size: int,
        after: str | None = None,
        before: str | None = None,
        at: str | None = None,
    ) -> CommentPage:
        """A page of approved comments in thread order, with the post's count.

        `after`/`before` continue past a comment's path; `at` starts with one.
        """
        q = PageQuery(slug, page_size, after, before, at)

        def load() -> tuple[CommentPage, int]:
            if not q.first:  # the counter first: see read_page
                return read_page(self.client, self.table, q, self._counter(slug))
            counter, ready = self.stored_first_page(slug, q.size)
            if ready is not None:
                return ready
            if counter == (0, 0):
                return CommentPage(count=0, comments=[]), 0  # nothing was ever approved
            return read_page(self.client, self.table, q, counter)

        return self.pages.get(q, lambda: self._counter(slug)[1], load)

    def stored_first_page(
        self, slug: str, size: int
    ) -> tuple[tuple[int, int], tuple[CommentPage, int] | None]:
        """The counter and the stored first page, in one request; the page only if it
        belongs to the counter's version (a writer of an earlier lambdapress, still
        running during an upgrade, moves the version without storing the page)."""
        count_key, page_key = t.count_key(slug), t.first_page_key(slug)
        found = self._items_at([count_key, page_key])
        counter = counter_values(found.get(t.key_of(count_key)))
        ready = first_page.read(found.get(t.key_of(page_key)), slug, size)
        return counter, ready if ready is not None and ready[1] == counter[1] else None

    # --- privacy (CLI only: these scan) ------------------------------------

    def by_email(self, email_hash: str) -> list[Comment]:
        """Every comment stored for an email, by its keyed hash, so any spelling of its case
        finds them. Scans: for privacy requests, never on requests."""
        found: list[Comment] = []
        paginator = self.client.get_paginator("scan")
        for page in paginator.paginate(
            TableName=self.table,
            FilterExpression="email_hash = :h",
            ExpressionAttributeValues={":h": {"S": email_hash}},
        ):
            found.extend(t.comment_from_item(i) for i in page.get("Items", []) if t.is_comment(i))
        return sorted(found, key=lambda c: c.created_at)
