"""The post store: S3 sources plus what publishing derives from them (the posts index, the
rendered pages), cached per Lambda container.

Requests read only derived JSON: publishing parses the Markdown and YAML, so a Lambda never
imports markdown-it, nh3 or PyYAML. A bucket last published by a version without rendered
pages (its index says version 1) is still served, by parsing its sources as before.
"""

from __future__ import annotations

import datetime as dt
import json
import logging
import time
from collections.abc import Callable
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.posts.media import MediaCatalog
from chalicelib.posts.model import Post, PostMeta
from chalicelib.posts.s3_cache import S3ObjectCache, missing
from chalicelib.posts.site import SiteConfig, parse_site

log = logging.getLogger(__name__)

POSTS_PREFIX = "posts/"
DRAFTS_PREFIX = "drafts/"  # drafts' sources, read only by signed previews
SITE_KEY = "site.yaml"
INDEX_KEY = "index/posts.json"
# 2: every source has its rendered page under RENDERED_PREFIX (written before the index)
INDEX_VERSION = 2
RENDERED_PREFIX = "rendered/"  # derived: rendered/posts/<slug>.json, ..., rendered/site.json


class NotPublished(LookupError):
    """The bucket has no site.yaml yet: nothing was ever published."""


class PostsIndex:
    """Every published post's metadata, newest first, and the images they show (sizes and
    variants, measured at publish); derived, never edited by hand."""

    def __init__(
        self, posts: list[PostMeta], media: MediaCatalog | None = None, rendered: bool = True
    ) -> None:
        self.posts = sorted(posts, key=lambda p: (p.date, p.slug), reverse=True)
        self._by_slug = {p.slug: p for p in self.posts}
        self.media = media or MediaCatalog()
        self.rendered = rendered  # False: published by an older version, sources only

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
        rendered = data.get("version", 1) >= 2
        return cls([PostMeta.from_dict(item) for item in data["posts"]], media, rendered)


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
        self._warned = False

    # --- reading (request path) ---------------------------------------------

    def index(self) -> PostsIndex:
        return self._cache.get(INDEX_KEY, PostsIndex.from_json) or PostsIndex([], rendered=False)

    def site(self) -> SiteConfig:
        site = None
        if self.index().rendered:
            site = self._cache.get(page_key(SITE_KEY), _readable(SiteConfig.from_json))
        if site is None:  # an older bucket, or a page this version cannot read
            site = self._cache.get(SITE_KEY, parse_site)
        if site is None:
            raise NotPublished(f"s3://{self.bucket}/{SITE_KEY} is missing: publish the site first")
        return site

    def post(self, slug: str) -> Post | None:
        """A published post's full content; None when there is no such source.

        Whether it may be shown yet (drafts, scheduled dates) is the index's business.
        """
        key = post_key(slug)
        index = self.index()
        if index.rendered:
            rendered = self._cache.get(page_key(key), _readable(Post.from_json))
            if rendered is not None:
                return rendered
        else:
            self._older_bucket()
        # An older bucket, or a page this version cannot read: parsed here, its images sized
        # from the index's media catalog (a post is parsed again when the catalog changes,
        # even if its source did not).
        media = index.media
        return self._cache.get(key, lambda text: _parse_post(key, text, media), media.version)

    def preview(self, slug: str) -> Post | None:
        """A draft's source (drafts/), else the post's (a scheduled or published one)."""
        key = draft_key(slug)
        index = self.index()
        draft = None
        if index.rendered:
            draft = self._cache.get(page_key(key), _readable(Post.from_json))
        if draft is None:
            draft = self._cache.get(key, lambda text: _parse_post(key, text))
        return draft or self.post(slug)

    def _older_bucket(self) -> None:
        if not self._warned:
            self._warned = True
            log.warning(
                "s3://%s has no rendered pages (published by an older version): parsing its "
                "Markdown on requests; publish again (make cli ARGS=publish) to stop this",
                self.bucket,
            )

    # --- writing (publishing) -----------------------------------------------

    def put_source(self, key: str, text: str) -> None:
        """Upload a source; site.yaml's rendered config goes with it (a post's rendered page
        needs the media catalog: publishing writes it with put_page)."""
        content_type = "text/markdown" if key.endswith(".md") else "application/yaml"
        self._put(key, text, f"{content_type}; charset=utf-8")
        if key == SITE_KEY:
            self.put_page(key, parse_site(text).to_json())

    def put_page(self, source_key: str, text: str) -> None:
        """Upload what requests read for a source (its rendered JSON)."""
        self._put(page_key(source_key), text, "application/json")

    def put_index(self, index: PostsIndex) -> None:
        self._put(INDEX_KEY, index.to_json(), "application/json")

    def _put(self, key: str, text: str, content_type: str) -> None:
        self.s3.put_object(
            Bucket=self.bucket, Key=key, Body=text.encode("utf-8"), ContentType=content_type
        )
        self._cache.forget(key)  # this process sees its own writes at once

    def delete_source(self, key: str) -> None:
        """Delete a source and its rendered page."""
        self.delete_page(key)
        self.delete_page(page_key(key))

    def delete_page(self, key: str) -> None:
        """Delete one object of the bucket (a rendered page, or a source)."""
        self.s3.delete_object(Bucket=self.bucket, Key=key)
        self._cache.forget(key)

    def read_source(self, key: str) -> str | None:
        try:
            obj = self.s3.get_object(Bucket=self.bucket, Key=key)
        except ClientError as exc:
            if missing(exc):
                return None
            raise
        return obj["Body"].read().decode("utf-8")

    def source_etags(self, prefix: str = POSTS_PREFIX, suffix: str = ".md") -> dict[str, str]:
        """Every post source (or draft, with DRAFTS_PREFIX; or rendered page, with
        RENDERED_PREFIX and ".json") in the bucket with its ETag (publishing only: requests
        never list)."""
        etags: dict[str, str] = {}
        paginator = self.s3.get_paginator("list_objects_v2")
        for page in paginator.paginate(Bucket=self.bucket, Prefix=prefix):
            for obj in page.get("Contents", []):
                if obj["Key"].endswith(suffix):
                    etags[obj["Key"]] = obj["ETag"]
        return etags


def _readable[V](parse: Callable[[str], V]) -> Callable[[str], V | None]:
    """A rendered page's reader that answers None for a page this version cannot read (of
    another layout, or damaged): the caller then reads its source, and no request fails."""

    def read(text: str) -> V | None:
        try:
            return parse(text)
        except (ValueError, KeyError, TypeError):
            log.warning("a rendered page cannot be read: its source is parsed instead")
            return None

    return read


def _parse_post(key: str, text: str, media: MediaCatalog | None = None) -> Post:
    from chalicelib.posts.frontmatter import parse_post  # publishing, and older buckets only

    return parse_post(key, text, media)


def page_key(source_key: str) -> str:
    """Where a source's rendered JSON lives: `posts/x.md` -> `rendered/posts/x.json`,
    `site.yaml` -> `rendered/site.json`."""
    stem = source_key.removesuffix(".md").removesuffix(".yaml")
    return f"{RENDERED_PREFIX}{stem}.json"


def post_key(slug: str) -> str:
    return f"{POSTS_PREFIX}{slug}.md"


def draft_key(slug: str) -> str:
    return f"{DRAFTS_PREFIX}{slug}.md"
