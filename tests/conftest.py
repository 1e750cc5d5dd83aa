"""Shared fixtures: an isolated environment, moto in-process, the sample site published."""

from __future__ import annotations

import os
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
CONTENT = ROOT / "content"
ADMIN_TOKEN = "test-admin-token-0123456789"
SECRET_KEY = "test-secret-key-0123456789abcdef0123456789"


def pytest_configure(config: pytest.Config) -> None:
    # Every AWS call the Lambda handlers make in this session is checked against
    # the IAM policies (tests/functional/test_zz_iam_policy.py).
    from tests import iam

    iam.install()


@pytest.fixture(autouse=True)
def isolated_env(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    """No endpoint, profile or credential from the shell leaks into a test."""
    from chalicelib import deps

    for name in list(os.environ):
        if name.startswith(("AWS_", "BLOG_")):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_DEFAULT_REGION", "eu-west-1")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("BLOG_BUCKET", "lambdapress-test")
    monkeypatch.setenv("BLOG_TABLE", "lambdapress-test")
    monkeypatch.setenv("BLOG_ADMIN_TOKEN", ADMIN_TOKEN)
    monkeypatch.setenv("BLOG_SECRET_KEY", SECRET_KEY)
    deps.reset()
    yield
    deps.reset()


@pytest.fixture
def content(tmp_path: Path) -> Path:
    """A copy of the sample content that a test may change."""
    copy = tmp_path / "content"
    shutil.copytree(CONTENT, copy)
    return copy


@pytest.fixture
def aws() -> Iterator[None]:
    """moto in-process, with the bucket and table created as `make run` creates them."""
    from moto import mock_aws

    from chalicelib.resources import create_resources

    with mock_aws():
        create_resources()
        yield


@pytest.fixture
def published(aws: None) -> None:
    from chalicelib import deps
    from chalicelib.posts.publishing import load_content, publish

    publish(deps.posts(), load_content(CONTENT))


@pytest.fixture
def client(published: None) -> Iterator[object]:
    from chalice.test import Client

    from app import app
    from tools import greedy_routes

    greedy_routes.install()
    with Client(app, stage_name="local", project_dir=str(ROOT)) as c:
        yield c


class Clock:
    """The time the views see; tests move it forward instead of sleeping."""

    def __init__(self, start: float) -> None:
        self.now = start

    def __call__(self) -> float:
        return self.now

    def advance(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    import time

    from chalicelib.views import api, post

    fake = Clock(time.time())
    monkeypatch.setattr(post, "now", fake)
    monkeypatch.setattr(api, "now", fake)
    return fake
