"""Images to the bucket: each object once under its content-addressed key, cached for a year.

A changed image gets a new key (its hash), so a key's bytes never change and readers and
CloudFront may keep them for a year without asking again.
"""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from chalicelib.posts.images import objects
from chalicelib.posts.media import IMMUTABLE, MEDIA_PREFIX, MediaCatalog
from chalicelib.posts.store import PostStore


def media_keys(store: PostStore) -> set[str]:
    """Every object under media/ (publishing only: requests never list)."""
    keys: set[str] = set()
    paginator = store.s3.get_paginator("list_objects_v2")
    for page in paginator.paginate(Bucket=store.bucket, Prefix=MEDIA_PREFIX):
        keys.update(obj["Key"] for obj in page.get("Contents", []))
    return keys


def upload_media(
    store: PostStore, catalog: MediaCatalog, files: dict[str, Path], present: set[str]
) -> list[str]:
    """Put the objects of the catalog's images that the bucket lacks; return their keys."""
    uploaded: list[str] = []
    for path, image in sorted(catalog.images.items()):
        wanted = set(image.object_keys()) - present
        if not wanted:
            continue
        data = files[path].read_bytes()
        for key, body, content_type in objects(image, data, wanted):
            store.s3.put_object(
                Bucket=store.bucket,
                Key=key,
                Body=body,
                ContentType=content_type,
                CacheControl=IMMUTABLE,
            )
            uploaded.append(key)
            present.add(key)
    return uploaded


def prune_media(store: PostStore, keep: MediaCatalog, present: Iterable[str]) -> list[str]:
    """Delete the objects under media/ that no image of `keep` uses; return their keys."""
    used = {key for image in keep.images.values() for key in image.object_keys()}
    removed = sorted(set(present) - used)
    for start in range(0, len(removed), 1000):
        batch = [{"Key": key} for key in removed[start : start + 1000]]
        store.s3.delete_objects(Bucket=store.bucket, Delete={"Objects": batch, "Quiet": True})
    return removed
