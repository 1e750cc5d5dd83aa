"""The first page of a post's approved comments, kept ready in one item.

Most views of a post show its first page of comments. Every change to the approved thread
(an approval, an unapproval, an edit, a deletion, an erasure, an import) writes that page
as readers see it, in the same transaction as the change: the comments' shown fields with
their HTML, the count, and whether more follow, tagged with the thread's version. A view
whose copy is out of date then reads this one item (no Query of the page, no item per
comment for botocore to parse, no Markdown). The writer reads the counter before the
comments, and the transaction holds only while the counter's version is still the one it
read (see Writer._thread_parts), so a stored page is never behind its version.

A page too large for one item (comments of 64 KB each) is not stored: the item keeps the
version with no page, and readers Query, as they do for a page size the item was not built
for (the site's page size changed), for a page left behind its thread's version (a change
made while site.yaml could not be read, a bulk import until its end, an earlier version of
lambdapress) and for a thread nobody has changed since the upgrade.
"""

from __future__ import annotations

import json
import logging
import zlib
from collections.abc import Iterable
from typing import Any

from chalicelib.comments import table as t
from chalicelib.comments.model import Comment, CommentPage

log = logging.getLogger(__name__)

# Compressed bytes of a page: room to spare under DynamoDB's 400 KB item limit.
MAX_STORED = 300_000
# Its text before compression: what a view decompresses and parses at most (comments that
# repeat themselves compress a hundredfold).
MAX_TEXT = 2_000_000
_FIELDS = ("id", "path", "parent_id", "author", "url", "html", "created_at", "edited_at")
# How a stored page is laid out: a page of another layout (written by another version of
# lambdapress) is not read, and readers Query until the thread's next change stores it anew.
LAYOUT = 1


def after_change(
    found: list[Comment], changes: Iterable[tuple[str, Comment | None]]
) -> list[Comment]:
    """The thread's first comments after `changes`: at each path, the comment now shown
    there (None: nothing), in thread order."""
    by_path = {c.path: c for c in found}
    for path, shown in changes:
        if shown is None:
            by_path.pop(path, None)
        else:
            by_path[path] = shown
    return sorted(by_path.values(), key=lambda c: c.path)  # as DynamoDB orders the keys


def item(slug: str, page: CommentPage, version: int, size: int) -> dict[str, Any]:
    """The stored page (`size` comments at most); with no page in it when it would not fit."""
    values: dict[str, Any] = {
        "version": version,
        "approved": page.count,
        "size": size,
        "layout": LAYOUT,
    }
    shown = [[getattr(c, f) for f in _FIELDS] + [c.removed] for c in page.comments]
    text = json.dumps([shown, page.next_after], separators=(",", ":"), ensure_ascii=False)
    packed = zlib.compress(text.encode(), 6)
    if len(text) <= MAX_TEXT and len(packed) <= MAX_STORED:
        values["page"] = packed
    return {**t.first_page_key(slug), **t.item(values)}


def read(typed: dict[str, Any] | None, slug: str, size: int) -> tuple[CommentPage, int] | None:
    """(The page, its thread's version) from the stored item; None when readers must Query
    (no item, no page in it, a page of another size or layout, or one that cannot be read)."""
    if typed is None or "page" not in typed or typed.get("layout", {}).get("N") != str(LAYOUT):
        return None
    if typed.get("size", {}).get("N") != str(size):
        return None
    try:
        shown, next_after = json.loads(zlib.decompress(typed["page"]["B"]))
        return _page(slug, shown, next_after, typed)
    except (zlib.error, ValueError, TypeError, KeyError):
        log.warning("the stored first page of %s cannot be read: its thread is queried", slug)
        return None


def _page(
    slug: str, shown: list[list[Any]], next_after: str | None, typed: dict[str, Any]
) -> tuple[CommentPage, int]:
    """The stored rows as the comments they show (no email, no body: never stored)."""
    comments = [
        Comment(
            **dict(zip(_FIELDS, row[:-1], strict=True)),
            post=slug,
            email="",
            body="",
            status="approved",
            removed=row[-1],
        )
        for row in shown
    ]
    page = CommentPage(count=int(typed["approved"]["N"]), comments=comments, next_after=next_after)
    return page, int(typed["version"]["N"])
