"""Moderation actions readers see: a comment approved, unapproved, hidden, edited, erased or
deleted, then its posts' pages invalidated at the CDN (one invalidation per action, however
many comments a bulk action touches).

The screen, the review links, the admin API and the CLI call these; a CDN fault is logged by
the invalidator and never fails the action (pages expire from the CDN within a minute).
"""

from __future__ import annotations

import logging
from collections.abc import Iterable

from chalicelib.comments.model import Comment, Edit, Moderation
from chalicelib.comments.store import CommentStore
from chalicelib.edge_cache import Invalidator, paths_for
from chalicelib.faults import Unavailable
from chalicelib.posts.store import PostStore

log = logging.getLogger(__name__)


def shows_on_page(before: str, after: str | None) -> bool:
    """Readers see the change when an approved comment appears or disappears."""
    return before != after and "approved" in (before, after)


def invalidate(posts: PostStore, edge: Invalidator, slugs: Iterable[str]) -> None:
    """One invalidation for every page that shows these posts' comments."""
    wanted = sorted(set(slugs))
    if not wanted:
        return
    try:
        index = posts.index()
        metas = [meta for slug in wanted if (meta := index.get(slug)) is not None]
    except Unavailable:  # the action is done: the posts' own pages are still worth it
        log.warning("posts index unavailable: invalidating only the posts' pages")
        metas = []
    found = {meta.slug for meta in metas}
    edge.invalidate(paths_for(metas) + [f"/posts/{slug}*" for slug in wanted if slug not in found])


class Session:
    """Moderation actions on one store; the posts whose pages changed are invalidated once,
    by `done()` (or at once, with `each=True`)."""

    def __init__(
        self, comments: CommentStore, posts: PostStore, edge: Invalidator, each: bool = True
    ) -> None:
        self.comments, self.posts, self.edge, self.each = comments, posts, edge, each
        self.changed: set[str] = set()

    def _shown(self, slug: str) -> None:
        self.changed.add(slug)
        if self.each:
            self.done()

    def done(self) -> None:
        invalidate(self.posts, self.edge, self.changed)
        self.changed.clear()

    def set_status(
        self, comment_id: str, status: str, by: Moderation | None = None
    ) -> Comment | None:
        """Move a comment to `status` (recording who did it); None if there is none."""
        before = self.comments.get(comment_id)
        if before is None:
            return None
        after = self.comments.set_status(comment_id, status, by, current=before)
        if after is not None and shows_on_page(before.status, after.status):
            self._shown(after.post)
        return after

    def delete(self, comment_id: str) -> bool:
        """Delete a comment; False if there is none."""
        before = self.comments.get(comment_id)
        if before is None or not self.comments.delete(comment_id, current=before):
            return False
        if shows_on_page(before.status, None):
            self._shown(before.post)
        return True

    def edit(self, comment_id: str, change: Edit, at: str) -> Comment | None:
        """Change a comment's name, website and text; None if there is none."""
        edited = self.comments.edit(comment_id, change, at)
        if edited is not None and edited.status == "approved":
            self._shown(edited.post)
        return edited

    def erase_email(self, email_hash: str, track: object = None) -> int:
        """Erase every comment of an email: what readers saw of it leaves the CDN too."""
        shown = {c.post for c in self.comments.by_email(email_hash) if c.status == "approved"}
        erased = self.comments.erase_email(email_hash, track=track)
        for slug in shown:
            self._shown(slug)
        return erased


def set_status(
    comments: CommentStore,
    posts: PostStore,
    edge: Invalidator,
    comment_id: str,
    status: str,
    by: Moderation | None = None,
) -> Comment | None:
    """Move a comment to `status` (recording who did it); None if there is no such comment."""
    return Session(comments, posts, edge).set_status(comment_id, status, by)


def delete(comments: CommentStore, posts: PostStore, edge: Invalidator, comment_id: str) -> bool:
    """Delete a comment; False if there is no such comment."""
    return Session(comments, posts, edge).delete(comment_id)
