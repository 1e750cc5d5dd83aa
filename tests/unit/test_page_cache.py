"""The container's cache of comment pages: fresh for its TTL, then revalidated by version,
bounded by count and by the bytes of its text."""

from __future__ import annotations

from dataclasses import dataclass

from chalicelib.comments.model import Comment, CommentPage
from chalicelib.comments.page_cache import PageCache


@dataclass(frozen=True)
class Key:
    slug: str
    n: int = 0


def page(body_bytes: int = 10) -> CommentPage:
    c = Comment("a" * 20, "p", "a" * 20, "A", "", "x" * body_bytes, "<p></p>", "approved", "t")
    return CommentPage(count=1, comments=[c])


class Clock:
    now = 0.0

    def __call__(self) -> float:
        return self.now


def test_within_the_ttl_nothing_is_asked_and_after_it_the_version_decides() -> None:
    clock, asked, loads = Clock(), [], []
    cache = PageCache(ttl=1.0, clock=clock)

    def version() -> int:
        asked.append(clock.now)
        return 1

    def load() -> tuple[CommentPage, int]:
        loads.append(clock.now)
        return page(), 1

    for step in range(10):  # a view every 0.4 s for 4 s
        clock.now = step * 4 / 10
        cache.get(Key("p"), version, load)
    # The TTL counts from the last check, not the last view: asked about once a second.
    assert loads == [0.0]
    assert [round(t, 1) for t in asked] == [1.2, 2.4, 3.6]


def test_a_changed_version_loads_the_page_again() -> None:
    clock = Clock()
    cache = PageCache(ttl=0.0, clock=clock)
    versions = iter([2])
    first = cache.get(Key("p"), lambda: 1, lambda: (page(), 1))
    second = cache.get(Key("p"), lambda: next(versions), lambda: (page(20), 2))
    assert first is not second and len(second.comments[0].body) == 20


def test_pages_are_bounded_by_their_text_and_forgotten_by_post() -> None:
    cache = PageCache(ttl=60.0, budget=150_000)
    for n in range(5):  # 5 pages of about 64 KB: at most two fit
        cache.get(Key("p", n), lambda: 1, lambda: (page(64_000), 1))
    loads: list[int] = []
    for n in range(5):
        cache.get(Key("p", n), lambda: 1, lambda n=n: (loads.append(n), (page(64_000), 1))[1])
    assert loads[:3] == [0, 1, 2]  # the oldest were dropped
    cache.forget("p")
    reloaded: list[int] = []
    cache.get(Key("p", 4), lambda: 1, lambda: (reloaded.append(4), (page(), 1))[1])
    assert reloaded == [4]
