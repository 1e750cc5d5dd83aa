"""The one place that builds boto3 clients and stores: lazy, cached, overridable in tests."""

from __future__ import annotations

import os
import threading
from collections.abc import Callable, Iterable
from typing import Any, TypeVar

import boto3
from botocore.config import Config
from botocore.exceptions import DataNotFoundError
from botocore.loaders import Loader, instance_cache

from chalicelib import settings
from chalicelib.comments.ledger import Ledger
from chalicelib.comments.store import CommentStore
from chalicelib.edge_cache import EdgeCache, Invalidator, NoEdge, parameter_name
from chalicelib.faults import GuardedClient, Unavailable
from chalicelib.posts.site import SiteConfig
from chalicelib.posts.store import NotPublished, PostStore
from chalicelib.signing import Signing

T = TypeVar("T")

# The retry budget: two attempts of at most 1 s to connect and 2 s to read, plus a jittered
# backoff of at most 1 s, give up on a call within about 7 s: well inside the functions'
# 15 s timeout and API Gateway's 29 s. A page needs at most one such wait per service:
# the first fault makes the rest of its work with that service moot.
BOTO_CONFIG = Config(
    retries={"total_max_attempts": 2, "mode": "standard"},
    connect_timeout=1,
    read_timeout=2,
)

# Every service the functions call; `client` builds no other.
SERVICES = frozenset({"s3", "dynamodb", "ses", "ssm", "cloudfront"})

_built: dict[str, Any] = {}
_lock = threading.RLock()  # factories build their own dependencies


def _get[T](name: str, factory: Callable[[], T]) -> T:
    try:
        return _built[name]
    except KeyError:
        pass
    with _lock:
        if name not in _built:
            _built[name] = factory()
        return _built[name]


class AppServicesLoader(Loader):
    """botocore's data loader, told which services exist: building a client then looks in
    those services' folders only, instead of listing every one of botocore's ~400 (its
    `list_available_services`, ~18 ms of CPU in every new container). Everything else,
    including where the data is found (AWS_DATA_PATH too), is botocore's own."""

    def __init__(self, services: Iterable[str], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self.services = sorted(services)

    @instance_cache  # as botocore's own: asked again for every file of a service it loads
    def list_available_services(self, type_name: str) -> list[str]:
        found = []
        for name in self.services:
            try:
                self.list_api_versions(name, type_name)
            except DataNotFoundError:
                continue
            found.append(name)
        return found


def session() -> boto3.Session:
    """The one session every client is built from (credentials, region and the loaded
    service data are found once)."""

    def build() -> boto3.Session:
        import botocore.session

        core = botocore.session.get_session()
        paths = core.get_config_variable("data_path") or ""
        extra = [os.path.expanduser(os.path.expandvars(p)) for p in paths.split(os.pathsep) if p]
        core.register_component(
            "data_loader", AppServicesLoader(SERVICES, extra_search_paths=extra)
        )
        return boto3.Session(botocore_session=core)

    return _get("session", build)


def client(service: str) -> Any:
    """A boto3 client for `service`, built on first use and kept for the container's life."""
    if service not in SERVICES:
        raise ValueError(f"{service} is not among the services the app calls: add it to SERVICES")
    return _get(f"client:{service}", lambda: session().client(service, config=BOTO_CONFIG))


def posts() -> PostStore:
    def build() -> PostStore:
        s = settings.current()
        return PostStore(client("s3"), s.bucket, ttl=s.cache_ttl)

    return _get("posts", build)


def comments() -> CommentStore:
    def build() -> CommentStore:
        s = settings.current()
        ddb = GuardedClient(client("dynamodb"), "dynamodb")
        return CommentStore(ddb, s.table, cache_ttl=s.comments_cache_ttl, page_size=_page_size)

    return _get("comments", build)


def _page_size() -> int | None:
    """The site's comments per page, for the first page stored with each change to a
    thread; None when site.yaml cannot be read just now (readers then Query the page)."""
    try:
        return posts().site().comments.page_size
    except (NotPublished, Unavailable):
        return None


def edge() -> Invalidator:
    """The stage's CDN invalidator; under `make run` (stage local) one that does nothing."""

    def build() -> Invalidator:
        stage = settings.current().stage
        if stage == "local":
            return NoEdge()
        return EdgeCache(client("cloudfront"), client("ssm"), parameter_name(stage))

    return _get("edge", build)


def ledger() -> Ledger:
    """Sign-in failures, unsubscribes and sent emails, in the comment table."""

    def build() -> Ledger:
        return Ledger(GuardedClient(client("dynamodb"), "dynamodb"), settings.current().table)

    return _get("ledger", build)


def override(**objects: Any) -> None:
    """Replace built objects by name (`posts=`, `comments=`, `client:s3=`...)."""
    with _lock:
        _built.update(objects)


def reset() -> None:
    """Forget every built object and cached setting."""
    with _lock:
        _built.clear()
    settings.reset()


def signing() -> Signing:
    return _get("signing", lambda: Signing(settings.current().require_secret_key()))


class Stores:
    """What a request works with, gathered by the view once and passed down; each is
    built on first use (a listing page never needs the signing key)."""

    @property
    def posts(self) -> PostStore:
        return posts()

    @property
    def comments(self) -> CommentStore:
        return comments()

    @property
    def signing(self) -> Signing:
        return signing()

    @property
    def edge(self) -> Invalidator:
        return edge()

    @property
    def ledger(self) -> Ledger:
        return ledger()

    def site(self) -> SiteConfig:
        return posts().site()


def stores() -> Stores:
    return Stores()
