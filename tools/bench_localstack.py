"""`make bench`: 1,000 comment POSTs against one `make run` stack; time and memory stay flat.

Starts the stack as `make run` does (embedded moto server, chalice local, on free
loopback ports), lets one client post without the flood guard, and sends the
POSTs one after another. Prints the median time per POST and the resident
memory of the stack's processes in the first and the last window, as ratios
(1.0 is flat), the time of another post's page of comments before and after
(its Query reads that post's partition, not the growing table), and how long
the stack takes to stop on SIGTERM.
"""

from __future__ import annotations

import statistics
import sys
import time

from tools.live_stack import LiveStack, rss_bytes

POSTS = 1000
MAX_POSTS = 5000  # bounded: every request goes to the loopback stack this starts
WINDOW = 100
OTHER_POST = "reading-an-ecg-strip-quickly"  # its page's Query reads its partition, not the table


def _stack_rss(stack: LiveStack) -> tuple[int, int]:
    """(moto and run_local, chalice local) resident bytes."""
    return rss_bytes(stack.pid), sum(rss_bytes(child) for child in stack.children())


def _view_seconds(stack: LiveStack, views: int = 5) -> float:
    samples = []
    for _ in range(views):
        started = time.perf_counter()
        code, _ = stack.request("GET", f"/api/posts/{OTHER_POST}/comments")
        samples.append(time.perf_counter() - started)
        assert code == 200, code
    return statistics.median(samples)


def main(argv: list[str]) -> int:
    posts = min(int(argv[0]) if argv else POSTS, MAX_POSTS)
    window = min(WINDOW, max(posts // 4, 1))
    stack = LiveStack()
    stack.start()
    try:
        stack.set_comment_policy(flood_seconds=0)
        seconds: list[float] = []
        statuses: dict[int, int] = {}
        rss_start = rss_end = (0, 0)
        view_start = _view_seconds(stack)
        for n in range(posts):
            started = time.perf_counter()
            code, _ = stack.post_comment(f"Benchmark comment number {n}.", key=f"bench-{n}")
            seconds.append(time.perf_counter() - started)
            statuses[code] = statuses.get(code, 0) + 1
            if n + 1 == window:
                rss_start = _stack_rss(stack)
        rss_end = _stack_rss(stack)
        view_end = _view_seconds(stack)
    finally:
        stop_seconds = stack.stop()

    first = statistics.median(seconds[:window])
    last = statistics.median(seconds[-window:])
    mib = 1024 * 1024
    print(f"{posts} comment POSTs against one `make run` stack (statuses: {statuses})")
    print(
        f"  time per POST, median of the first {window}: {first * 1000:7.1f} ms;"
        f" of the last {window}: {last * 1000:7.1f} ms; ratio {last / first:.2f}"
    )
    for name, start, end in (
        ("moto + run_local", rss_start[0], rss_end[0]),
        ("chalice local   ", rss_start[1], rss_end[1]),
    ):
        print(
            f"  memory (RSS) of {name} after {window} POSTs: {start / mib:7.1f} MiB;"
            f" at the end: {end / mib:7.1f} MiB; ratio {end / max(start, 1):.2f}"
        )
    print(
        f"  another post's comments by the API, before: {view_start * 1000:7.1f} ms;"
        f" after: {view_end * 1000:7.1f} ms; ratio {view_end / view_start:.2f}"
    )
    print(f"  the stack stopped {stop_seconds:.1f} s after SIGTERM")
    return 0 if set(statuses) == {201} else 1


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
