"""Bring a comment table written by an earlier lambdapress up to today's layout.

Earlier versions kept every comment in its post's partition and filtered the page's Query
by status; today held comments (pending, spam, trash) live apart (`HELD#<slug>`), so the
page reads approved ones only, one item counts the comments of each status, and each post
keeps its first page of comments ready (first_page.py). This moves each held comment with
its pointer in one transaction, recounts, and stores the first page of every commented
post that lacks a current one. It is idempotent: run it again and nothing moves and no
page is stored again. Operators run it before deploying a new version (README, Deploying).
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from typing import Any

from chalicelib.comments import table as t
from chalicelib.comments.model import STATUSES, Comment
from chalicelib.comments.transaction import Transaction
from chalicelib.comments.writer import Writer


@dataclass
class Upgrade:
    moved: int = 0
    counted: dict[str, int] | None = None
    pages: int = 0  # first pages stored


def _comments(client: Any, table: str) -> list[Comment]:
    """Every comment item of the table (a Scan: an operator's command, never a request's)."""
    found: list[Comment] = []
    for page in client.get_paginator("scan").paginate(TableName=table):
        found.extend(t.comment_from_item(i) for i in page.get("Items", []) if t.is_comment(i))
    return found


def _misplaced(client: Any, table: str, comment: Comment) -> bool:
    """A held comment still in its post's partition."""
    if comment.status == "approved":
        return False
    old = t.approved_key(comment.post, comment.path)
    return "Item" in client.get_item(TableName=table, Key=old, ConsistentRead=True)


def _move(client: Any, table: str, comment: Comment) -> None:
    tx = Transaction(table)
    tx.move(t.approved_key(comment.post, comment.path), comment.status, comment)
    client.transact_write_items(TransactItems=tx.items)


def upgrade(store: Writer) -> Upgrade:
    """Move held comments out of their posts' partitions, recount the statuses and store
    the first page of every post with approved comments."""
    client, table = store.client, store.table
    report = Upgrade()
    comments = _comments(client, table)
    for comment in comments:
        if _misplaced(client, table, comment):
            _move(client, table, comment)
            report.moved += 1
    counts = Counter(c.status for c in comments if not c.removed)
    report.counted = {status: counts.get(status, 0) for status in STATUSES}
    client.put_item(TableName=table, Item={**t.status_counts_key(), **t.item(report.counted)})
    size = store.page_size()
    for slug in sorted({c.post for c in comments if c.status == "approved"}):
        if size and store.stored_first_page(slug, size)[1] is None:
            store.rebuild_first_page(slug)
            report.pages += 1
    return report
