"""Objects read from S3 and kept in the container: revalidated with a conditional GET
after their TTL, and served stale when S3 fails."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from botocore.exceptions import ClientError

from chalicelib.faults import Unavailable, unavailable_on_fault

log = logging.getLogger(__name__)

T = TypeVar("T")


@dataclass
class _Entry[T]:
    value: T
    etag: str
    checked_at: float
    tag: str = ""  # what else the value was derived from (a post: the media catalog)


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
            if missing(exc):
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


def missing(exc: ClientError) -> bool:
    return exc.response.get("Error", {}).get("Code") in ("NoSuchKey", "404")
