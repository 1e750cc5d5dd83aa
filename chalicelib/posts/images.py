"""The images of content/media/ at publish time (Pillow): measure, check, resize.

Used by publishing only (the CLI and `make run`), never by the Lambda: what it measures is
recorded in the posts index (posts/media.py), so the bundle needs no Pillow.
"""

from __future__ import annotations

import hashlib
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from slugify import slugify

from chalicelib.posts.media import (
    CONTENT_TYPES,
    MEDIA_PREFIX,
    VARIANT_WIDTHS,
    MediaCatalog,
    MediaImage,
    Variant,
)
from chalicelib.posts.model import ContentError, Post

MAX_BYTES = 20 * 1024 * 1024
_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/gif": "GIF", "image/webp": "WEBP"}


def _open(data: bytes) -> Any:
    """The decoded image, turned as its EXIF orientation says (as browsers show it)."""
    from PIL import Image, ImageOps

    image = Image.open(io.BytesIO(data))
    image.load()
    return ImageOps.exif_transpose(image)


def _measure(path: Path, relative: str, data: bytes) -> MediaImage:
    from PIL import Image

    content_type = CONTENT_TYPES[path.suffix.lower()]
    try:
        image = _open(data)
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise ContentError(str(path), None, f"is not a readable image ({exc})") from exc
    if Image.MIME.get(image.format or "", content_type) != content_type and image.format:
        raise ContentError(str(path), None, f"is a {image.format} image, not {content_type}")
    digest = hashlib.sha256(data).hexdigest()[:16]
    stem = slugify(path.stem) or "image"
    ext = ".jpg" if path.suffix.lower() == ".jpeg" else path.suffix.lower()
    base = f"{MEDIA_PREFIX}{digest}/{stem}"
    width, height = image.size
    variants: tuple[Variant, ...] = ()
    if content_type != "image/gif":  # resizing would drop an animation's frames
        resized = [Variant(w, f"{base}-{w}w{ext}", f"{base}-{w}w.webp") for w in VARIANT_WIDTHS]
        full = Variant(width, f"{base}{ext}", f"{base}.webp")
        variants = (*(v for v in resized if v.width < width), full)
    return MediaImage(relative, f"{base}{ext}", content_type, width, height, variants)


def scan(media_dir: Path) -> tuple[MediaCatalog, dict[str, Path], list[ContentError]]:
    """Every image under content/media/ (subfolders too): the catalog, files and problems."""
    images: list[MediaImage] = []
    files: dict[str, Path] = {}
    errors: list[ContentError] = []
    if not media_dir.is_dir():
        return MediaCatalog(), files, errors
    for path in sorted(media_dir.rglob("*")):
        if not path.is_file() or path.suffix.lower() not in CONTENT_TYPES:
            continue
        relative = path.relative_to(media_dir).as_posix()
        if path.stat().st_size > MAX_BYTES:
            errors.append(ContentError(str(path), None, "is larger than 20 MB"))
            continue
        try:
            images.append(_measure(path, relative, path.read_bytes()))
        except ContentError as exc:
            errors.append(exc)
            continue
        files[relative] = path
    return MediaCatalog(images), files, errors


def image_errors(source: str, post: Post, catalog: MediaCatalog) -> list[ContentError]:
    """Each image a post names must be in content/media/ and have alt text."""
    errors: list[ContentError] = []
    for ref in post.images:
        if not ref.alt:
            errors.append(ContentError(source, "image", f"{ref.src}: needs alt text: ![...]"))
        if ref.path is None:
            where = "must be in content/media/ (../media/... or /media/...)"
            errors.append(ContentError(source, "image", f"{ref.src}: {where}"))
        elif ref.path not in catalog:
            errors.append(ContentError(source, "image", f"{ref.src}: no such file in media/"))
    if post.meta.image and post.meta.image not in catalog:
        errors.append(ContentError(source, "image", f"{post.meta.image}: no such file in media/"))
    return errors


def _encode(image: Any, fmt: str) -> bytes:
    out = io.BytesIO()
    if fmt == "JPEG":
        image.convert("RGB").save(out, fmt, quality=82, optimize=True, progressive=True)
    elif fmt == "WEBP":
        image.save(out, fmt, quality=80, method=4)
    else:
        image.save(out, fmt, optimize=True)
    return out.getvalue()


def objects(image: MediaImage, data: bytes, wanted: set[str]) -> Iterator[tuple[str, bytes, str]]:
    """(key, bytes, content type) of the image's objects whose keys are in `wanted`."""
    if image.key in wanted:
        yield image.key, data, image.content_type
    decoded = None
    for variant in image.variants:
        for key, fmt, content_type in (
            (variant.key, _FORMATS[image.content_type], image.content_type),
            (variant.webp_key, "WEBP", "image/webp"),
        ):
            if key not in wanted or key == image.key:
                continue
            from PIL import Image

            decoded = decoded or _open(data)
            palette = decoded.mode == "P"
            rgb = decoded if decoded.mode in ("RGB", "RGBA", "L", "LA") else decoded.convert("RGBA")
            height = image.height_at(variant.width)
            resized = rgb.resize((variant.width, height), Image.Resampling.LANCZOS)
            if palette and fmt == "PNG":  # a drawing stays a small palette PNG
                resized = resized.quantize(colors=256)
            yield key, _encode(resized, fmt), content_type
