"""The post store: S3 sources plus the derived posts index, cached per Lambda container."""

from __future__ import annotations

import datetime as dt
import json
import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from chalicelib.faults import Unavailable, unavailable_on_fault
from chalicelib.posts.frontmatter import parse_post
from chalicelib.posts.media import MediaCatalog
from chalicelib.posts.model import Post, PostMeta
from chalicelib.posts.site import SiteConfig, parse_site

log = logging.getLogger(__name__)

POSTS_PREFIX = "posts/"
DRAFTS_PREFIX = "drafts/"  # drafts' sources, read only by signed previews
SITE_KEY = "site.yaml"
INDEX_KEY = "index/posts.json"
INDEX_VERSION = 1

T = TypeVar("T")


@dataclass
class _Entry[T]:
    value: T
    etag: str
    checked_at: float
    tag: str = ""  # what else the value was derived from (a post: the media catalog)


class NotPublished(LookupError):
    """The bucket has no site.yaml yet: nothing was ever published."""


class PostsIndex:
    """Every published post's metadata, newest first, and the images they show (sizes and
    variants, measured at publish); derived, never edited by hand."""

    def __init__(self, posts: list[PostMeta], media: MediaCatalog | None = None) -> None:
        self.posts = sorted(posts, key=lambda p: (p.date, p.slug), reverse=True)
        self._by_slug = {p.slug: p for p in self.posts}
        self.media = media or MediaCatalog()

    def get(self, slug: str) -> PostMeta | None:
        return self._by_slug.get(slug)

    def visible(self, today: dt.date) -> list[PostMeta]:
        return [p for p in self.posts if p.is_visible(today)]

    def to_json(self) -> str:
        return json.dumps(
            {
                "version": INDEX_VERSION,
                "posts": [p.to_dict() for p in self.posts],
                "media": self.media.to_dict(),
            },
            ensure_ascii=False,
            sort_keys=True,
        )

    @classmethod
    def from_json(cls, text: str) -> PostsIndex:
        data = json.loads(text)
        media = MediaCatalog.from_dict(data.get("media") or {})
        return cls([PostMeta.from_dict(item) for item in data["posts"]], media)


class S3ObjectCache:
    """Objects read from S3, kept for `ttl` seconds, then revalidated with a conditional GET."""

    def __init__(
        self,
        s3: Any,
        bucket: str,
        ttl: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._s3 = s3
        self._bucket = bucket
        self._ttl = ttl
        self._clock = clock
        self._entries: dict[str, _Entry[Any]] = {}
        self._lock = threading.Lock()

    def get(self, key: str, parse: Callable[[str], T], tag: str = "") -> T | None:
        """The parsed object at `key`, or None if there is none.

        A copy parsed under another `tag` is parsed again. When S3 fails while
        revalidating, the copy in memory is served (stale is better than nothing) until
        the next check; with no copy, Unavailable is raised.
        """
        now = self._clock()
        entry = self._entries.get(key)
        same = entry if entry is not None and entry.tag == tag else None
        if same is not None and now - same.checked_at < self._ttl:
            return same.value
        try:
            with unavailable_on_fault("s3"):
                return self._fetch(key, same, now, parse, tag)
        except Unavailable:
            if entry is None:
                raise
            log.warning("serving a stale copy of s3://%s/%s", self._bucket, key)
            entry.checked_at = now
            return entry.value

    def _fetch(
        self, key: str, entry: _Entry[Any] | None, now: float, parse: Callable[[str], T], tag: str
    ) -> T | None:
        kwargs = {"Bucket": self._bucket, "Key": key}
        if entry is not None:
            kwargs["IfNoneMatch"] = entry.etag
        try:
            obj = self._s3.get_object(**kwargs)
        except ClientError as exc:
            code = exc.response.get("Error", {}).get("Code")
            if code == "304" and entry is not None:
                entry.checked_at = now
                return entry.value
            if _missing(exc):
                with self._lock:
                    self._entries.pop(key, None)
                return None
            raise
        value = parse(obj["Body"].read().decode("utf-8"))
        with self._lock:
            self._entries[key] = _Entry(value, obj["ETag"], checked_at=now, tag=tag)
        return value

    def forget(self, key: str) -> None:
        with self._lock:
            self._entries.pop(key, None)


class PostStore:
    """Reads posts, the index and site config from S3; writes them when publishing."""

    def __init__(
        self,
        s3: Any,
        bucket: str,
        ttl: float = 30.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.s3 = s3
        self.bucket = bucket
        self._cache = S3ObjectCache(s3, bucket, ttl, clock)

    # --- reading (request path) ---------------------------------------------

    def index(self) -> PostsIndex:
        return self._cache.get(INDEX_KEY, PostsIndex.from_json) or PostsIndex([])

    def site(self) -> SiteConfig:
        site = self._cache.get(SITE_KEY, parse_site)
        if site is None:
            raise NotPublished(f"s3://{self.bucket}/{SITE_KEY} is missing: publish the site first")
        return site

    def post(self, slug: str) -> Post | None:
        """A published post's full content; None when there is no such source.

        Whether it may be shown yet (drafts, scheduled dates) is the index's business.
        Its images are sized from the index's media catalog: a post is parsed again when
        the catalog changes, even if its source did not.
        """
        key = post_key(slug)
        media = self.index().media
        return self._cache.get(key, lambda text: parse_post(key, text, media), media.version)

    def preview(self, slug: str) -> Post | None:
        """A draft's source (drafts/), else the post's (a scheduled or published one)."""
        key = draft_key(slug)
        return self._cache.get(key, lambda text: parse_post(key, text)) or self.post(slug)

    # --- writing (publishing) -----------------------------------------------

    def put_source(self, key: str, text: str) -> None:
        content_type = "text/markdown" if key.endswith(".md") else "application/yaml"
        self.s3.put_object(
            Bucket=self.bucket,
            Key=key,
            Body=text.encode("utf-8"),
            ContentType=f"{content_type}; charset=utf-8",
        )
        self._cache.forget(key)  # this process sees its own writes at once

    def delete_source(self, key: str) -> None:
        self.s3.delete_object(Bucket=self.bucket, Key=key)
        self._cache.forget(key)

    def put_index(self, index: PostsIndex) -> None:
        self.s3.put_object(
            Bucket=self.bucket,
            Key=INDEX_KEY,
            Body=index.to_json().encode("utf-8"),
            ContentType="application/json",
        )
        self._cache.forget(INDEX_KEY)

    def read_source(self, key: str) -> str | None:
        try:
            obj = self.s3.get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if _missing(exc):
                return None
            raise
        return obj["Body"].read().decode("utf-8")

    def source_etags(self, prefix: str = POSTS_PREFIX) -> dict[str, str]:
        """Every post source (or draft, with DRAFTS_PREFIX) in the bucket with its ETag
        (publishing only: requests never list)."""
        etags: dict[str, str] = {}
        paginator = self.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                if obj["Key"].endswith(".md"):
                    etags[obj["Key"]] = obj["ETag"]
        return etags


def _missing(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404")


def post_key(slug: str) -> str:
    return f"{POSTS_PREFIX}{slug}.md"


def draft_key(slug: str) -> str:
    return f"{DRAFTS_PREFIX}{slug}.md"
