"""A new Lambda container imports only what its function needs.

The site function serves a post page from the rendered JSON publishing wrote, so it never
imports the Markdown, YAML or sanitiser libraries (nor the CLI's), nor the notification
emails' modules; the notification function's init (importing the app) imports neither
Jinja2 nor python-slugify. Each is checked in a fresh interpreter against a moto server in
another process, as the bench measures it.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from chalicelib import deps
from chalicelib.comments import table as t
from chalicelib.posts.publishing import load_content, publish
from chalicelib.resources import create_resources
from tests.conftest import CONTENT, ROOT
from tests.functional.comment_helpers import numbered_comment
from tools import live_stack
from tools.lambda_events import apigw_event

PUBLISHING_ONLY = ("markdown_it", "mdit_py_plugins", "nh3", "yaml", "PIL", "rich", "pygments")
SITE_ONLY = ("jinja2", "slugify")
NOTIFY_ONLY = ("chalicelib.comments.notify", "chalicelib.comments.mail", "email.policy")

FIRST_VIEW = """
import json, sys
import app
response = app.app(json.loads(sys.argv[1]), None)
print(json.dumps({"status": response["statusCode"], "modules": sorted(sys.modules)}))
"""
IMPORT_ONLY = """
import importlib, json, sys
importlib.import_module(sys.argv[1])
print(json.dumps({"status": 0, "modules": sorted(sys.modules)}))
"""


@pytest.fixture
def moto_server(monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A moto server on loopback with the sample site published to it."""
    with live_stack.moto_server() as endpoint:
        monkeypatch.setenv("AWS_ENDPOINT_URL", endpoint)
        deps.reset()
        try:
            create_resources()
            publish(deps.posts(), load_content(CONTENT))
            yield endpoint
        finally:
            deps.reset()


def fresh_process(code: str, *args: str) -> tuple[int, set[str]]:
    env = dict(os.environ)
    env["PYTHONPATH"] = str(ROOT)
    result = subprocess.run(
        [sys.executable, "-c", code, *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout.strip().splitlines()[-1])
    return data["status"], set(data["modules"])


def loaded(modules: set[str], names: tuple[str, ...]) -> list[str]:
    return sorted(m for m in modules if m.split(".")[0] in names)


def test_a_post_page_in_a_new_container_never_imports_markdown_yaml_or_the_sanitiser(
    moto_server: str,
) -> None:
    from app import app

    event = apigw_event(app, "GET", "/posts/machine-learning-skin-cancer-photos")
    status, modules = fresh_process(FIRST_VIEW, json.dumps(event))
    assert status == 200
    assert loaded(modules, PUBLISHING_ONLY) == []
    assert "chalicelib.posts.frontmatter" not in modules
    assert [m for m in NOTIFY_ONLY if m in modules] == []
    assert "jinja2" in modules  # the check sees what the page did import


def notify_handler() -> str:
    """The notification function's handler as the deployment template names it: Lambda
    imports its module, not app.py."""
    from app import app

    return next(s.handler_string for s in app.event_sources if s.name == "notify")


NOTIFY_BATCH = """
import importlib, json, logging, sys
logging.basicConfig(level=logging.WARNING)  # the root logger as Lambda's runtime leaves it
module, name = sys.argv[1].rsplit(".", 1)
handler = getattr(importlib.import_module(module), name)
result = handler({"Records": [json.loads(sys.argv[2])]}, None)
print(json.dumps({"status": len(result["batchItemFailures"]), "modules": sorted(sys.modules)}))
"""


def test_the_notification_function_works_from_its_own_handler_without_the_app(
    moto_server: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    held = numbered_comment(1, "pending", "Is this dose right for children?")
    deps.comments().import_comment(held)
    record = {
        "eventName": "INSERT",
        "eventSource": "aws:dynamodb",
        "dynamodb": {"NewImage": t.comment_item(held), "SequenceNumber": "7"},
    }
    monkeypatch.setenv("BLOG_NOTIFY_FROM", "notify@blog.example.org")
    monkeypatch.setenv("BLOG_OUTBOX", str(tmp_path))
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    code = [sys.executable, "-c", NOTIFY_BATCH, notify_handler(), json.dumps(record)]
    done = subprocess.run(code, cwd=ROOT, env=env, capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    result = json.loads(done.stdout.strip().splitlines()[-1])
    assert result["status"] == 0  # no failed record
    assert "app" not in result["modules"]
    (sent,) = tmp_path.glob("*.eml")
    assert "Is this dose right for children?" in sent.read_text()
    assert "1 notification email(s), 0 failed" in done.stderr  # its INFO line is logged


def test_the_notification_functions_init_imports_no_template_or_markdown_library(
    moto_server: str,
) -> None:
    _, modules = fresh_process(IMPORT_ONLY, notify_handler().rsplit(".", 1)[0])
    assert loaded(modules, PUBLISHING_ONLY + SITE_ONLY) == []
    # nor the web views' modules: no route runs in this function
    assert sorted(m for m in modules if m.startswith("chalicelib.views.")) == [
        "chalicelib.views.streams"
    ]
    assert "chalicelib.rendering" not in modules and "markupsafe" not in modules
