"""Invalidation at CloudFront after a publish or a moderation action: one request per action.

The distribution's id reaches the functions and the CLI through an SSM parameter the stack
writes (`/lambdapress-<stage>/distribution-id`): the function's environment cannot name the
distribution, whose origin is the API that the function serves (a dependency cycle). It is
read once per container. Under `make run` (stage `local`) there is no distribution and
nothing is invalidated. A fault here never fails the action that caused it: pages expire
from the CDN on their own within `s-maxage` (60 s); it is logged.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Iterable
from typing import Any, Protocol

from botocore.exceptions import BotoCoreError, ClientError

from chalicelib.posts.model import PostMeta

log = logging.getLogger(__name__)

SITE_PATHS = ("/", "/feed.xml", "/sitemap.xml")
EVERYTHING = "/*"
# CloudFront lets 15 wildcard paths be in progress at once; a larger change is one "/*".
MAX_WILDCARDS = 5  # five posts' pages
MAX_PATHS = 60


def parameter_name(stage: str) -> str:
    """The SSM parameter holding the stage's distribution id (written by the stack)."""
    return f"/lambdapress-{stage}/distribution-id"  # beside the stage's secrets


def post_paths(meta: PostMeta) -> list[str]:
    """What shows a post or its comments: its page (every page of comments, and its comment
    feed, by the wildcard), its JSON, its tags' and category's archives and feeds, the
    site's lists. Later pages of lists expire on their own (s-maxage)."""
    paths = [f"/posts/{meta.slug}*", f"/api/posts/{meta.slug}", f"/api/posts/{meta.slug}/comments"]
    for tag in meta.tags:
        paths += [f"/tags/{tag.slug}", f"/tags/{tag.slug}/feed.xml"]
    paths.append(f"/categories/{meta.category_slug}")
    return [*paths, *SITE_PATHS, "/api/posts"]


def paths_for(posts: Iterable[PostMeta], everything: bool = False) -> list[str]:
    """The paths to invalidate for these posts, deduplicated; `/*` when the change is wide."""
    if everything:
        return [EVERYTHING]
    paths = list(dict.fromkeys(p for meta in posts for p in post_paths(meta)))
    wildcards = sum(p.endswith("*") for p in paths)
    return [EVERYTHING] if wildcards > MAX_WILDCARDS or len(paths) > MAX_PATHS else paths


class Invalidator(Protocol):
    def invalidate(self, paths: list[str]) -> str | None: ...


class NoEdge:
    """The local stack: there is no distribution, nothing is invalidated."""

    def invalidate(self, paths: list[str]) -> str | None:
        return None


class EdgeCache:
    """CreateInvalidation on the stage's distribution, whose id is read once from SSM."""

    def __init__(
        self, cloudfront: Any, ssm: Any, parameter: str, clock: Callable[[], float] = time.time
    ) -> None:
        self._cloudfront = cloudfront
        self._ssm = ssm
        self._parameter = parameter
        self._clock = clock
        self._distribution: str | None = None
        self._lock = threading.Lock()

    def distribution_id(self) -> str:
        with self._lock:
            if self._distribution is None:
                found = self._ssm.get_parameter(Name=self._parameter)
                self._distribution = str(found["Parameter"]["Value"])
            return self._distribution

    def invalidate(self, paths: list[str]) -> str | None:
        """One invalidation of `paths`; its id, or None (nothing to do, or a fault, logged)."""
        if not paths:
            return None
        try:
            answer = self._cloudfront.create_invalidation(
                DistributionId=self.distribution_id(),
                InvalidationBatch={
                    "Paths": {"Quantity": len(paths), "Items": paths},
                    "CallerReference": f"lambdapress-{self._clock():.6f}",
                },
            )
        except (BotoCoreError, ClientError) as exc:
            log.warning("CDN invalidation of %d path(s) failed: %s", len(paths), exc)
            return None
        invalidation_id = str(answer["Invalidation"]["Id"])
        log.info("CDN invalidation %s of %d path(s)", invalidation_id, len(paths))
        return invalidation_id
