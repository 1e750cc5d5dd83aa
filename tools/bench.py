"""`make bench`: the read path's cost, as ratios measured in one run.

1. Process CPU per warm view of a post page, the handler invoked as Lambda invokes it
   (an API Gateway event, botocore included) with S3 and DynamoDB in another process (a
   moto server, so moto's own work is not counted; served with keep-alive connections, as
   AWS's endpoints are), next to rendering the same page from memory alone (the floor).
2. The same with 50, 1,000 and 10,000 approved comments (about 330 characters of Markdown
   each, one in ten a reply), and the 50-comment page again once 10,000 held spam comments
   sit beside its comments: each measured twice.
3. DynamoDB and S3 requests, and items read, per warm view.
4. Cold start: a new process up to its first post page (the app laid out as in the Lambda
   bundle: templates compiled, bytecode beside every module), next to importing chalice and
   boto3; the notification function's init (importing its handler's module, as Lambda
   does: chalicelib.views.streams, not app.py); the same first page with
   the templates read from their files (as under `make run`).
5. Peak memory of a warm container over 10,000 views.
"""

from __future__ import annotations

import compileall
import datetime as dt
import gc
import json
import logging
import os
import py_compile
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from tools.live_stack import moto_server

ROOT = Path(__file__).resolve().parent.parent
POSTS = {  # slug -> approved comments (the posts' pages are alike: comments open on each)
    "sun-protection-advice-that-sticks": 50,
    "practise-suturing-at-home": 1000,
    "machine-learning-skin-cancer-photos": 10000,
}
SPAM = 10000  # held on the first post, then its page is measured again: the same page
# The views measured, in order: (post, held spam beside its approved comments).
SCENARIOS = [(slug, 0) for slug in POSTS] + [(next(iter(POSTS)), SPAM)]
WORDS = (
    "dermoscopy",
    "lesion",
    "patient",
    "clinic",
    "evidence",
    "trial",
    "sample",
    "margin",
    "biopsy",
    "pattern",
    "review",
    "guideline",
    "screening",
    "referral",
    "outcome",
    "audit",
    "teaching",
    "registrar",
    "consultant",
)


def _environment(endpoint: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "BLOG_"))}
    env.update(
        {
            "AWS_ENDPOINT_URL": endpoint,
            "AWS_DEFAULT_REGION": "us-east-1",
            "AWS_ACCESS_KEY_ID": "bench",
            "AWS_SECRET_ACCESS_KEY": "bench",
            "BLOG_BUCKET": "bench",
            "BLOG_TABLE": "bench",
            "BLOG_SECRET_KEY": "b" * 48,
            "BLOG_ADMIN_TOKEN": "bench-token",
            "PYTHONPATH": str(ROOT),
        }
    )
    return env


def _body(rng: random.Random) -> str:
    """About 330 characters of a commenter's Markdown: two paragraphs, emphasis, a link."""
    words = [rng.choice(WORDS) for _ in range(44)]
    words[5] = f"*{words[5]}*"
    words[17] = f"[{words[17]}](https://example.org/{words[17]})"
    return " ".join(words[:22]).capitalize() + ".\n\n" + " ".join(words[22:]).capitalize() + "."


def _seed(table: str) -> None:
    """Approved comments written in batches, as an import leaves them (the fast way to a
    big thread), each post's first page then stored as `upgrade` stores it."""
    from chalicelib import deps
    from chalicelib.comments import table as t

    for slug, approved in POSTS.items():
        _seed_comments(table, slug, range(approved), "approved")
        counter = {**t.count_key(slug), **t.item({"approved": approved, "version": 1})}
        deps.client("dynamodb").put_item(TableName=table, Item=counter)
        deps.comments().rebuild_first_page(slug)


def _seed_comments(table: str, slug: str, numbers: range, status: str) -> None:
    """Comments number `numbers` of a post, a second apart; one in ten approved ones a reply."""
    from chalicelib import deps
    from chalicelib.comments import table as t
    from chalicelib.comments.model import make_comment

    rng = random.Random(numbers.start)  # noqa: S311 - sample text, not secrets
    start = dt.datetime(2026, 1, 1, tzinfo=dt.UTC)
    items, parent = [], None
    for n in numbers:
        cid = f"{int(start.timestamp() * 1000) + n:012x}{rng.getrandbits(32):08x}"
        reply = parent is not None and status == "approved" and n % 10 == 9
        comment = make_comment(
            id=cid,
            post=slug,
            path=f"{parent.path}/{cid}" if reply and parent else cid,
            parent_id=parent.id if reply and parent else None,
            author=f"Reader {n}",
            email=f"r{n}@example.org",
            url="",
            body=_body(rng),
            status=status,
            created=start + dt.timedelta(seconds=n),
        )
        parent = comment if not reply else parent
        items.append(t.comment_item(comment))
    ddb = deps.client("dynamodb")
    for i in range(0, len(items), 25):
        batch = [{"PutRequest": {"Item": it}} for it in items[i : i + 25]]
        ddb.batch_write_item(RequestItems={table: batch})


class AwsMeter:
    """Counts requests and items read through the app's clients."""

    def __init__(self, clients: list[Any]) -> None:
        self.requests = self.items = 0
        for c in clients:
            c.meta.events.register("before-call", self._before)
            c.meta.events.register("after-call", self._after)

    def _before(self, **_: Any) -> None:
        self.requests += 1

    def _after(self, parsed: dict[str, Any], **_: Any) -> None:
        self.items += int(parsed.get("ScannedCount", 0)) + (1 if "Item" in parsed else 0)

    def reset(self) -> None:
        self.requests = self.items = 0


def _cpu_per_call(call: Any, rounds: int = 25, per_round: int = 30) -> float:
    """Median process CPU seconds per call over rounds, after a warm-up; the garbage
    collector waits until the rounds are over, as timeit has it wait (a collection of the
    whole seeded heap would land in whichever round it fell)."""
    for _ in range(20):
        call()
    samples = []
    gc.collect()
    gc.disable()
    try:
        for _ in range(rounds):
            started = time.process_time()
            for _ in range(per_round):
                call()
            samples.append((time.process_time() - started) / per_round)
    finally:
        gc.enable()
    return statistics.median(samples)


def _warm_views(app: Any) -> None:
    from chalicelib import deps, rendering, settings
    from chalicelib.views import post_page
    from tools.lambda_events import apigw_event

    captured: dict[str, Any] = {}
    real_render = post_page.render

    def capturing(template: str, **context: Any) -> str:
        captured[template] = context
        return real_render(template, **context)

    post_page.render = capturing
    events = {slug: apigw_event(app, "GET", f"/posts/{slug}") for slug in POSTS}

    def view(slug: str) -> None:
        response = app(events[slug], None)
        assert response["statusCode"] == 200, response["body"][:300]

    def changed(slug: str) -> None:
        """A view in a container whose copy of the page is out of date."""
        deps.comments().pages.forget(slug)
        view(slug)

    meter = AwsMeter([deps.client("dynamodb"), deps.client("s3")])
    cached, revalidating = _store(ttl=3600.0), _store(ttl=0.0)
    rows = []
    for slug, spam in SCENARIOS:
        if spam:  # the same post's page again, with spam held beside its comments
            first = POSTS[slug]
            _seed_comments(settings.current().table, slug, range(first, first + spam), "spam")
        view(slug)
        floor = _cpu_per_call(lambda: rendering.render("post.html", **captured["post.html"]))
        runs = []
        for store in (cached, revalidating, cached, revalidating):
            deps.override(comments=store)
            runs.append(_cpu_per_call(lambda s=slug: view(s)))
        meter.reset()
        for _ in range(20):
            view(slug)
        reads = (meter.requests / 20, meter.items / 20)
        runs.append(_cpu_per_call(lambda s=slug: changed(s)))
        rows.append((POSTS[slug], spam, runs, floor, *reads))
    post_page.render = real_render
    _report(rows)


def _store(ttl: float) -> Any:
    """The comment store with its pages fresh for `ttl` seconds: an hour measures the views
    within a page's second in memory without one crossing it; 0, the views past it."""
    from chalicelib import deps, settings
    from chalicelib.comments.store import CommentStore
    from chalicelib.faults import GuardedClient

    ddb = GuardedClient(deps.client("dynamodb"), "dynamodb")
    return CommentStore(ddb, settings.current().table, cache_ttl=ttl)


def _report(rows: list[tuple[int, int, list[float], float, float, float]]) -> None:
    print("Warm views: process CPU per view (median ms), the handler invoked with an API")
    print("Gateway event; 'in memory': within the comment pages' second in the container;")
    print("'revalidated': past it, one small read of the post's counter item; 'changed':")
    print("the container's copy out of date, one read of the post's stored first page.")
    print(
        "  comments (held)   in memory  revalidated  changed   floor  ratio to floor"
        "  requests  items"
    )
    ratios = []
    for approved, spam, runs, floor, requests, items in rows:
        memory, fresh = min(runs[0], runs[2]), min(runs[1], runs[3])
        ratios.append(fresh / floor)
        print(
            f"  {approved:6,d} ({spam:6,d}) {memory * 1e3:10.2f} {fresh * 1e3:12.2f} "
            f"{runs[4] * 1e3:8.2f} {floor * 1e3:7.2f} {memory / floor:6.2f} "
            f"{fresh / floor:7.2f} {requests:9.1f} {items:6.1f}"
        )
    drift = max(abs(r[2][i] - r[2][i + 2]) / r[2][i] for r in rows for i in (0, 1))
    print(
        f"  revalidated view / floor, largest over smallest of the four: "
        f"{max(ratios) / min(ratios):.2f}"
    )
    print(f"  largest difference between two runs of the same measure: {drift:.0%}")


def _child_cpu(
    code: str, env: dict[str, str], argv: list[str] | None = None, cwd: Path = ROOT
) -> float:
    out = subprocess.run(
        [sys.executable, "-c", code, *(argv or [])],
        env=env,
        cwd=cwd,
        check=True,
        capture_output=True,
        text=True,
    )
    return float(out.stdout.strip().splitlines()[-1])


_BASELINE = (
    "import time; t = time.process_time(); import chalice, boto3; print(time.process_time() - t)"
)
_FIRST_VIEW = """
import json, sys, time
t = time.process_time()
import app
response = app.app(json.loads(sys.argv[1]), None)
assert response["statusCode"] == 200, response
print(time.process_time() - t)
"""
_IMPORT_ONLY = """
import importlib, sys, time
t = time.process_time()
importlib.import_module(sys.argv[1])
print(time.process_time() - t)
"""


def _bundle_layout(folder: Path, compiled_templates: bool = True) -> Path:
    """The app's files as `make package` lays them out in the Lambda bundle: app.py,
    chalicelib/, templates/, the templates compiled to modules, and hash-based bytecode
    beside every module (the libraries are the virtualenv's, with its own bytecode).
    Without `compiled_templates`, the templates are read from their files, as under
    `make run`."""
    from chalicelib import rendering

    folder.mkdir(exist_ok=True)
    shutil.copy2(ROOT / "app.py", folder / "app.py")
    ignore = shutil.ignore_patterns("__pycache__")
    for name in ("chalicelib", "templates"):
        shutil.copytree(ROOT / name, folder / name, ignore=ignore)
    if compiled_templates:
        rendering.compile_templates(folder / rendering.COMPILED_DIR.name)
    unchecked = py_compile.PycInvalidationMode.UNCHECKED_HASH
    compileall.compile_dir(folder, quiet=1, invalidation_mode=unchecked)
    return folder


def _cold_start(app: Any, env: dict[str, str]) -> None:
    from tools.lambda_events import apigw_event

    event = json.dumps(apigw_event(app, "GET", "/posts/sun-protection-advice-that-sticks"))
    # The module the deployment template's Notify handler names: Lambda imports only it.
    handler = next(s.handler_string for s in app.event_sources if s.name == "notify")
    notify_module = handler.rsplit(".", 1)[0]
    with tempfile.TemporaryDirectory() as work:
        bundle = _bundle_layout(Path(work) / "bundle")
        files = _bundle_layout(Path(work) / "files", compiled_templates=False)
        bundle_env = {**env, "PYTHONPATH": str(bundle)}
        files_env = {**env, "PYTHONPATH": str(files)}
        runs = [
            (
                _child_cpu(_BASELINE, env),
                _child_cpu(_FIRST_VIEW, bundle_env, [event], bundle),
                _child_cpu(_IMPORT_ONLY, bundle_env, [notify_module], bundle),
                _child_cpu(_FIRST_VIEW, files_env, [event], files),
            )
            for _ in range(5)
        ]
    base, first, init, files_first = (statistics.median(r[i] for r in runs) for i in range(4))
    print("\nCold start: process CPU, medians of 5 paired runs (the app laid out as in the bundle)")
    print(f"  {'import chalice, boto3':<54} {base * 1e3:7.1f} ms")
    for label, value in (
        ("import app + first post page (site function)", first),
        (f"import {notify_module} (notify function)", init),
        ("the same first page, templates read from their files", files_first),
    ):
        print(f"  {label:<54} {value * 1e3:7.1f} ms   ratio {value / base:.2f}")


# The child's own peak (VmHWM): getrusage's ru_maxrss survives exec on Linux, so it would
# report the bench's own size, which the child had for an instant after fork.
_MEMORY = """
import json, sys
from pathlib import Path
import app
events = json.loads(sys.argv[1])
for n in range(10000):
    assert app.app(events[n % len(events)], None)["statusCode"] == 200
peak = [l for l in Path("/proc/self/status").read_text().splitlines() if l.startswith("VmHWM:")]
print(int(peak[0].split()[1]) / 1024)
"""


def _peak_memory(app: Any, env: dict[str, str]) -> None:
    from tools.lambda_events import apigw_event

    events = json.dumps([apigw_event(app, "GET", f"/posts/{slug}") for slug in POSTS])
    peak = _child_cpu(_MEMORY, env, [events])
    print(f"\nPeak memory of a warm container over 10,000 views: {peak:.0f} MiB")


def main() -> None:
    with moto_server(keep_alive=True) as endpoint:
        env = _environment(endpoint)
        os.environ.clear()
        os.environ.update(env)
        import app as app_module

        logging.getLogger("chalicelib").setLevel(logging.WARNING)  # no log lines in the report
        from chalicelib import deps
        from chalicelib.posts.publishing import load_content, publish
        from chalicelib.resources import create_resources

        create_resources()
        publish(deps.posts(), load_content(ROOT / "content"))
        _seed(env["BLOG_TABLE"])
        _warm_views(app_module.app)
        _cold_start(app_module.app, env)
        _peak_memory(app_module.app, env)


if __name__ == "__main__":
    main()
