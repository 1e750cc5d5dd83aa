"""Reading a page of a post's approved comments: one Query in thread order, with the count."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from chalicelib.comments import table as t
from chalicelib.comments.model import Comment, CommentPage


@dataclass(frozen=True)
class PageQuery:
    """Which page: the first, the one after or before a comment's path, or the one at it."""

    slug: str
    size: int
    after: str | None = None
    before: str | None = None
    at: str | None = None

    @property
    def forward(self) -> bool:
        return self.before is None

    @property
    def first(self) -> bool:
        return self.after is None and self.before is None and self.at is None


def _query(table: str, q: PageQuery) -> dict[str, Any]:
    pk = t.post_pk(q.slug)
    query: dict[str, Any] = {
        "TableName": table,
        # Only approved comments live in this range: no filter, so every item read is shown.
        "KeyConditionExpression": "PK = :pk AND SK BETWEEN :lo AND :hi",
        "ExpressionAttributeValues": {
            ":pk": {"S": pk},
            ":lo": {"S": t.sort_key(q.at or "")},
            ":hi": {"S": t.COMMENTS_END},
        },
        "ScanIndexForward": q.forward,
        "ConsistentRead": True,
        "Limit": q.size + 1,  # a page, and one more to know whether any follow
    }
    start = q.after if q.forward else q.before
    if start is not None:
        query["ExclusiveStartKey"] = t.approved_key(q.slug, start)
    return query


def counter_values(typed: dict[str, Any] | None) -> tuple[int, int]:
    """(approved count, thread version) from the post's counter item, (0, 0) without one."""
    if not typed:
        return 0, 0
    return int(typed.get("approved", {}).get("N", 0)), int(typed.get("version", {}).get("N", 0))


def _collect(client: Any, query: dict[str, Any], size: int) -> tuple[list[Comment], bool]:
    """Read until past a page's worth: (the comments, whether the read stopped before the
    end). With no filter, the Limit ends this in one Query; the loop only guards against
    DynamoDB's 1 MB page of a very long thread."""
    unfinished = True
    found: list[Comment] = []
    while unfinished and len(found) <= size:
        resp = client.query(**query)
        found.extend(t.comment_from_item(typed) for typed in resp.get("Items", []))
        unfinished = "LastEvaluatedKey" in resp
        if unfinished:
            query["ExclusiveStartKey"] = resp["LastEvaluatedKey"]
    return found, unfinished


def first_comments(client: Any, table: str, slug: str, n: int) -> tuple[list[Comment], bool]:
    """The thread's first `n` comments (fewer if it has fewer), and whether the read
    stopped before the end."""
    return _collect(client, _query(table, PageQuery(slug, n - 1)), n - 1)


def read_page(
    client: Any, table: str, q: PageQuery, counter: tuple[int, int]
) -> tuple[CommentPage, int]:
    """The page `q` names and the thread version it shows.

    `counter` is the post's counter item, read (GetItem or BatchGetItem) just before: a
    Query sees a concurrent transaction's items one by one (read-committed), while a
    GetItem sees it whole or not at all. Read first, the version is never newer than the
    comments the Query returns, so a page is never kept as current when it is not.
    """
    found, unfinished = _collect(client, _query(table, q), q.size)
    count, version = counter
    return page_of(q, count, found, unfinished), version


def page_of(q: PageQuery, count: int, found: list[Comment], unfinished: bool) -> CommentPage:
    """The page `q` names from the comments read in its direction (one past it if more
    follow) and whether the read stopped before the end."""
    more = len(found) > q.size or unfinished
    page = found[: q.size]
    if not page:
        return CommentPage(count=count, comments=[])
    if q.forward:
        return CommentPage(
            count=count,
            comments=page,
            next_after=page[-1].path if more else None,
            prev_before=None if q.first else page[0].path,
        )
    page.reverse()
    return CommentPage(
        count=count,
        comments=page,
        next_after=page[-1].path,
        prev_before=page[0].path if more else None,
    )
