"""Moderation actions readers see: a comment approved, unapproved, hidden or deleted, then
its post's pages invalidated at the CDN (one invalidation per action).

The admin API and the CLI call these; a CDN fault is logged by the invalidator and never
fails the action (the pages expire from the CDN on their own within a minute).
"""

from __future__ import annotations

import logging

from chalicelib.comments.model import Comment, Moderation
from chalicelib.comments.store import CommentStore
from chalicelib.edge_cache import Invalidator, paths_for
from chalicelib.faults import Unavailable
from chalicelib.posts.store import PostStore

log = logging.getLogger(__name__)


def shows_on_page(before: str, after: str | None) -> bool:
    """Readers see the change when an approved comment appears or disappears."""
    return before != after and "approved" in (before, after)


def _invalidate(posts: PostStore, edge: Invalidator, slug: str) -> None:
    try:
        meta = posts.index().get(slug)
    except Unavailable:  # the action is done: its post's page alone is still worth it
        log.warning("posts index unavailable: invalidating only the page of %s", slug)
        meta = None
    edge.invalidate(paths_for([meta]) if meta else [f"/posts/{slug}*"])


def set_status(
    comments: CommentStore,
    posts: PostStore,
    edge: Invalidator,
    comment_id: str,
    status: str,
    by: Moderation | None = None,
) -> Comment | None:
    """Move a comment to `status` (recording who did it); None if there is no such comment."""
    before = comments.get(comment_id)
    if before is None:
        return None
    after = comments.set_status(comment_id, status, by)
    if after is not None and shows_on_page(before.status, after.status):
        _invalidate(posts, edge, after.post)
    return after


def delete(comments: CommentStore, posts: PostStore, edge: Invalidator, comment_id: str) -> bool:
    """Delete a comment; False if there is no such comment."""
    before = comments.get(comment_id)
    if before is None or not comments.delete(comment_id):
        return False
    if shows_on_page(before.status, None):
        _invalidate(posts, edge, before.post)
    return True
