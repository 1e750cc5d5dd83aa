"""`make run`'s stack under concurrent comment POSTs: exactly once, flood guard, no 5xx."""

from __future__ import annotations

import http.client
import signal
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tools.live_stack import SLUG, LiveStack

CONCURRENT = 30


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveStack]:
    with LiveStack(tmp_path_factory.mktemp("stack")) as live:
        yield live


def all_at_once(count: int, call: Callable[[int], Any]) -> list[Any]:
    """`call(0)` ... `call(count - 1)`, each in its own thread, released together."""
    results: list[Any] = [None] * count
    start = threading.Barrier(count)

    def run(n: int) -> None:
        start.wait()
        try:
            results[n] = call(n)
        except Exception as exc:
            results[n] = exc

    threads = [threading.Thread(target=run, args=(n,)) for n in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return results


def stored_with(stack: LiveStack, bodies: set[str]) -> list[dict[str, Any]]:
    return [
        c
        for status in ("pending", "approved", "spam")
        for c in stack.admin_comments(status)
        if c["body"] in bodies and c["post"] == SLUG
    ]


def test_thirty_concurrent_posts_with_one_idempotency_key_store_one_comment(
    stack: LiveStack,
) -> None:
    stack.set_comment_policy(flood_seconds=0)
    body = "Posted once, sent thirty times at once."

    def post_or_read(n: int) -> tuple[int, Any]:
        if n % 4 == 3:  # readers at the same time: the page and the API
            path = f"/posts/{SLUG}" if n % 8 == 3 else f"/api/posts/{SLUG}/comments"
            return stack.request("GET", path)
        return stack.post_comment(body, key="one-key-for-all")

    results = all_at_once(CONCURRENT + CONCURRENT // 3, post_or_read)

    assert not [r for r in results if isinstance(r, Exception) or r[0] >= 500]
    posts = [r for n, r in enumerate(results) if n % 4 != 3]
    assert len(posts) == CONCURRENT
    assert {code for code, _ in posts} == {201}
    (comment_id,) = {data["id"] for _, data in posts}
    assert [c["id"] for c in stored_with(stack, {body})] == [comment_id]


def test_thirty_concurrent_posts_from_one_client_store_one_and_answer_429_to_the_rest(
    stack: LiveStack,
) -> None:
    stack.set_comment_policy(flood_seconds=600)
    bodies = [f"A different comment, number {n}." for n in range(CONCURRENT)]

    results = all_at_once(CONCURRENT, lambda n: stack.post_comment(bodies[n], key=f"flood-{n}"))

    assert not [r for r in results if isinstance(r, Exception)]
    codes = sorted(code for code, _ in results)
    assert codes == [201] + [429] * (CONCURRENT - 1)
    (first,) = [data for code, data in results if code == 201]
    assert [c["id"] for c in stored_with(stack, set(bodies))] == [first["id"]]
    assert {data["error"]["code"] for code, data in results if code == 429} == {"too_fast"}


def test_sigterm_stops_the_stack_within_a_few_seconds_even_while_it_serves(
    stack: LiveStack,
) -> None:
    chalice_local = stack.children()
    assert chalice_local
    busy = threading.Event()

    def keep_posting(n: int) -> None:
        for i in range(1000):
            try:
                stack.post_comment(f"Posted while stopping, {n}-{i}.", key=f"stop-{n}-{i}")
            except (OSError, http.client.HTTPException):
                return  # the stack has gone
            busy.set()

    posters = [threading.Thread(target=keep_posting, args=(n,), daemon=True) for n in range(8)]
    for poster in posters:
        poster.start()
    assert busy.wait(30)

    took = stack.stop(signal.SIGTERM, seconds=30)

    assert took < 5, f"the stack took {took:.1f} s to stop"
    for pid in chalice_local:
        assert not Path(f"/proc/{pid}").exists(), "chalice local outlived the stack"
    for poster in posters:
        poster.join(timeout=10)
        assert not poster.is_alive()
