"""Images of posts as the site knows them: where each is in the bucket, its size, its variants.

Publishing measures the files of content/media/ with Pillow (posts/images.py) and records
what it found in the posts index, so the Lambda renders `<img>` with sizes and `srcset`
without ever decoding an image (its bundle has no Pillow).
"""

from __future__ import annotations

import functools
import hashlib
import posixpath
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote

MEDIA_PREFIX = "media/"
# The widths of the resized copies; none is made wider than the original.
VARIANT_WIDTHS = (480, 960, 1600)
CONTENT_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".gif": "image/gif",
    ".webp": "image/webp",
}
IMMUTABLE = "public, max-age=31536000, immutable"
# A key the bucket holds: media/<16 hex digits of the original's SHA-256>/<file name>.
KEY_RE = re.compile(r"^media/[0-9a-f]{16}/[A-Za-z0-9][A-Za-z0-9._-]{0,150}$")
_PATH_PART = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._ -]*$")


def media_path(reference: str) -> str | None:
    """`../media/2023/a.jpg` or `/media/2023/a.jpg` -> `2023/a.jpg`; None for anything else.

    Anything that leaves content/media/ (`..`, a scheme, a query) is not a media reference.
    """
    ref = unquote(reference.strip())
    for prefix in ("../media/", "/media/"):
        if ref.startswith(prefix):
            rest = ref[len(prefix) :]
            break
    else:
        return None
    parts = rest.split("/")
    if not rest or any(not _PATH_PART.match(p) or p.startswith("..") for p in parts):
        return None
    normal = posixpath.normpath(rest)
    return normal if normal == rest else None


@dataclass(frozen=True)
class Variant:
    """One resized copy: its width, and its keys in the original format and in WebP."""

    width: int
    key: str
    webp_key: str


@dataclass(frozen=True)
class MediaImage:
    """An image of content/media/ as published: its key, type, size and resized copies."""

    path: str  # relative to content/media/
    key: str
    content_type: str
    width: int
    height: int
    variants: tuple[Variant, ...] = ()

    @property
    def url(self) -> str:
        return "/" + self.key

    def height_at(self, width: int) -> int:
        return max(1, round(self.height * width / self.width))

    def srcset(self, webp: bool = False) -> str:
        return ", ".join(f"/{v.webp_key if webp else v.key} {v.width}w" for v in self.variants)

    def to_dict(self) -> dict[str, Any]:
        return {
            "key": self.key,
            "type": self.content_type,
            "width": self.width,
            "height": self.height,
            "variants": [[v.width, v.key, v.webp_key] for v in self.variants],
        }

    @classmethod
    def from_dict(cls, path: str, data: Mapping[str, Any]) -> MediaImage:
        return cls(
            path=path,
            key=data["key"],
            content_type=data["type"],
            width=int(data["width"]),
            height=int(data["height"]),
            variants=tuple(Variant(int(w), k, wk) for w, k, wk in data.get("variants", [])),
        )

    def object_keys(self) -> list[str]:
        """Every object of this image in the bucket: the original and each variant."""
        keys = [self.key, *(k for v in self.variants for k in (v.key, v.webp_key))]
        return list(dict.fromkeys(keys))


class MediaCatalog:
    """The published images by their path under content/media/."""

    def __init__(self, images: Iterable[MediaImage] = ()) -> None:
        self.images = {image.path: image for image in images}

    def get(self, path: str | None) -> MediaImage | None:
        return self.images.get(path) if path else None

    def __contains__(self, path: object) -> bool:
        return path in self.images

    def __len__(self) -> int:
        return len(self.images)

    def only(self, paths: Iterable[str]) -> MediaCatalog:
        return MediaCatalog(self.images[p] for p in sorted(set(paths)) if p in self.images)

    def merged(self, newer: MediaCatalog) -> MediaCatalog:
        """This catalog with `newer`'s entries in place of its own."""
        return MediaCatalog([*self.images.values(), *newer.images.values()])

    @functools.cached_property
    def version(self) -> str:
        """Changes whenever any image's key changes: rendered posts depend on it (computed
        once: a catalog never changes, and every post view asks)."""
        text = "|".join(f"{p}={i.key}" for p, i in sorted(self.images.items()))
        return hashlib.sha256(text.encode("utf-8")).hexdigest()[:16]

    def to_dict(self) -> dict[str, Any]:
        return {path: image.to_dict() for path, image in sorted(self.images.items())}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> MediaCatalog:
        return cls(MediaImage.from_dict(path, item) for path, item in data.items())
