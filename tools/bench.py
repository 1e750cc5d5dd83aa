"""`make bench`: warm post-page views against in-process moto, as ratios measured in one run.

1. The post page: time per warm view (the whole Chalice request) next to the time
   of rendering the same template with the same data alone.
2. A post with 10, 1,000 and 10,000 approved comments: time per warm view, the
   DynamoDB requests and items read per view. moto's Query walks the whole
   partition in Python, so the app's own time (excluding time inside AWS calls)
   is printed too: DynamoDB reads a page of items whatever the partition size.
"""

from __future__ import annotations

import logging
import os
import statistics
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SLUG = "machine-learning-skin-cancer-photos"


def _setup_env() -> None:
    for name in list(os.environ):
        if name.startswith(("AWS_", "BLOG_")):
            del os.environ[name]
    os.environ.update(
        {
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "BLOG_BUCKET": "bench",
            "BLOG_TABLE": "bench",
            "BLOG_SECRET_KEY": "b" * 48,
            "BLOG_ADMIN_TOKEN": "bench-token",
        }
    )


def _per_call(fn: Callable[[], Any], seconds: float = 1.5, least: int = 20) -> float:
    """Median seconds per call over batches, after a warm-up."""
    for _ in range(3):
        fn()
    samples: list[float] = []
    deadline = time.perf_counter() + seconds
    while time.perf_counter() < deadline or len(samples) < least:
        start = time.perf_counter()
        fn()
        samples.append(time.perf_counter() - start)
    return statistics.median(samples)


class AwsMeter:
    """Counts requests and items read, and the time spent inside AWS calls."""

    def __init__(self, clients: list[Any]) -> None:
        self.reset()
        self._started = 0.0
        for c in clients:
            c.meta.events.register("before-call", self._before)
            c.meta.events.register("after-call", self._after)

    def _before(self, model: Any, **kwargs: Any) -> None:
        self.requests += 1
        self.operations.append(model.name)
        self._started = time.perf_counter()

    def _after(self, parsed: dict[str, Any], **kwargs: Any) -> None:
        self.seconds += time.perf_counter() - self._started
        self.items += int(parsed.get("ScannedCount", 0))

    def reset(self) -> None:
        self.operations: list[str] = []
        self.requests = self.items = 0
        self.seconds = 0.0


def _seed_comments(table: str, slug: str, count: int) -> None:
    """Approved comments written straight to the table (the fast way for a benchmark)."""
    from chalicelib import deps
    from chalicelib.comments import table as t
    from chalicelib.comments.model import Comment, new_comment_id

    ddb = deps.client("dynamodb")
    base = time.time() - count
    items = []
    for i in range(count):
        cid = new_comment_id(base + i)
        comment = Comment(
            id=cid,
            post=slug,
            path=cid,
            author=f"Reader {i}",
            email=f"r{i}@example.org",
            body=f"Comment number {i}.",
            html=f"<p>Comment number {i}.</p>",
            status="approved",
            created_at=f"2026-11-20T00:00:{i % 60:02d}.000Z",
        )
        items.append({"PutRequest": {"Item": t.comment_item(comment)}})
    for start in range(0, len(items), 25):
        ddb.batch_write_item(RequestItems={table: items[start : start + 25]})
    ddb.put_item(
        TableName=table,
        Item={**t.count_key(slug), **t.item({"approved": count})},
    )


def main() -> None:
    _setup_env()
    from chalice.test import Client
    from moto import mock_aws

    with mock_aws(), open(os.devnull, "w") as devnull:
        import app as app_module

        # Keep the request log lines (their cost is part of a view) out of the report.
        for handler in app_module.app.log.handlers:
            if isinstance(handler, logging.StreamHandler):
                handler.setStream(devnull)
        from chalicelib import deps, rendering
        from chalicelib.posts.publishing import load_content, publish
        from chalicelib.resources import create_resources
        from chalicelib.views import post_page as site_views

        create_resources()
        content = load_content(ROOT / "content")
        publish(deps.posts(), content)
        meter = AwsMeter([deps.client("s3"), deps.client("dynamodb")])

        captured: dict[str, Any] = {}
        real_render = site_views.render

        def capturing_render(template: str, **context: Any) -> str:
            captured.setdefault(template, context)
            return real_render(template, **context)

        site_views.render = capturing_render
        with Client(app_module.app, stage_name="local", project_dir=str(ROOT)) as client:

            def view(slug: str = SLUG) -> None:
                response = client.http.get(f"/posts/{slug}")
                assert response.status_code == 200

            view()
            per_view = _per_call(view)
            context = captured["post.html"]
            per_render = _per_call(lambda: rendering.render("post.html", **context))
            meter.reset()
            runs = 50
            started = time.perf_counter()
            for _ in range(runs):
                view()
            app_only = (time.perf_counter() - started - meter.seconds) / runs
            print("Post page (warm container, no comments)")
            print(f"  whole request, per view          {per_view * 1e3:8.3f} ms")
            print(f"  same template and data, rendered {per_render * 1e3:8.3f} ms")
            print(f"  ratio view / render alone        {per_view / per_render:8.2f}")
            print(f"  the view without its time in AWS {app_only * 1e3:8.3f} ms")
            print(f"  ratio of that to render alone    {app_only / per_render:8.2f}")
            meter.reset()
            view()
            print(f"  AWS requests per warm view: {', '.join(meter.operations)}")

            print("\nPost page with N approved comments (50 a page)")
            print("        N   ms/view   app ms/view   DynamoDB req/view   items read/view")
            rows = []
            slugs = {
                10: "sun-protection-advice-that-sticks",
                1000: "practise-suturing-at-home",
                10000: SLUG,
            }
            for count, slug in slugs.items():
                _seed_comments(os.environ["BLOG_TABLE"], slug, count)
                view(slug)
                meter.reset()
                runs = 0
                start = time.perf_counter()
                while runs < 20 or time.perf_counter() - start < 1.5:
                    view(slug)
                    runs += 1
                elapsed = (time.perf_counter() - start) / runs
                app_only = elapsed - meter.seconds / runs
                rows.append((count, elapsed, app_only))
                print(
                    f"  {count:7,d}  {elapsed * 1e3:8.2f}  {app_only * 1e3:12.2f}"
                    f"  {meter.requests / runs:18.1f}  {meter.items / runs:16.1f}"
                )
            print(
                f"  app time, 10,000 vs 1,000 comments (both a full page of 50): ratio "
                f"{rows[2][2] / rows[1][2]:.2f}; 10,000 vs 10: {rows[2][2] / rows[0][2]:.2f} "
                "(10 comments fill a fifth of a page)"
            )
            print("  ms/view includes moto, whose Query walks the whole partition in Python;")
            print("  DynamoDB reads only the items counted above.")


if __name__ == "__main__":
    main()
