"""Pages of approved comments kept in the container, keyed by the post's thread version.

Every change to a post's approved thread (an approval, an unapproval, a deletion, an edit,
an import) bumps the version on the post's counter item in the same transaction. A warm
view reads nothing within the cache's TTL (a second: shorter than a CDN invalidation takes,
so an invalidated page is never refilled with an old copy), then one small item (the
counter) to learn whether its copy is still current; only a changed thread costs a Query.
The container that made a change forgets the post's pages at once.
"""

from __future__ import annotations

import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Hashable
from dataclasses import dataclass

from chalicelib.comments.model import CommentPage


@dataclass
class _Cached:
    page: CommentPage
    version: int
    checked_at: float
    size: int = 0  # about how many bytes of text the page holds


def _size(page: CommentPage) -> int:
    return sum(len(c.body) + len(c.html) + 200 for c in page.comments)


class PageCache:
    """At most `size` pages and about `budget` bytes of their text (comments may be 64 KB
    each), least recently used first out."""

    def __init__(
        self,
        ttl: float = 0.0,
        size: int = 256,
        clock: Callable[[], float] = time.monotonic,
        budget: int = 32 * 1024 * 1024,
    ) -> None:
        self._ttl = ttl
        self._size = size
        self._budget = budget
        self._held = 0
        self._clock = clock
        self._pages: OrderedDict[Hashable, _Cached] = OrderedDict()
        self._lock = threading.Lock()

    def get(
        self,
        key: Hashable,
        version: Callable[[], int],
        load: Callable[[], tuple[CommentPage, int]],
    ) -> CommentPage:
        """The page at `key`: from memory while fresh or while `version()` is unchanged,
        else from `load()` (which returns the page and the version it belongs to)."""
        now = self._clock()
        cached = self._pages.get(key)
        if cached is not None:
            fresh = now - cached.checked_at < self._ttl
            if fresh or version() == cached.version:
                if not fresh:  # the TTL counts from the last check, not the last view
                    cached.checked_at = now
                with self._lock:
                    self._pages.move_to_end(key)
                return cached.page
        page, current = load()
        self.put(key, page, current)
        return page

    def put(self, key: Hashable, page: CommentPage, version: int) -> None:
        """Keep `page` of thread `version` (read, or just written by this container)."""
        entry = _Cached(page, version, self._clock(), _size(page))
        with self._lock:
            self._drop(key)
            self._pages[key] = entry
            self._held += entry.size
            while len(self._pages) > self._size or self._held > self._budget:
                self._drop(next(iter(self._pages)))

    def _drop(self, key: Hashable) -> None:
        """Forget one page (the caller holds the lock)."""
        gone = self._pages.pop(key, None)
        if gone is not None:
            self._held -= gone.size

    def forget(self, slug: str) -> None:
        """Drop a post's pages: this container just changed its thread."""
        with self._lock:
            for key in [k for k in self._pages if getattr(k, "slug", None) == slug]:
                self._drop(key)
