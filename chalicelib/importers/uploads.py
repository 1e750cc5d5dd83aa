"""The images of imported posts: copied from a copy of `wp-content/uploads` into content/media/.

Only originals come over: WordPress's resized copies (`photo-300x200.jpg`) map to the
original (`photo.jpg`), which publishing resizes again. An image missing from the uploads
folder is reported and left as a link to its old URL when that is https; over http it
would be blocked as mixed content, so only its alt text stays.
"""

from __future__ import annotations

import re
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import unquote, urlsplit

from chalicelib.importers.wxr import WpPost
from chalicelib.posts.media import media_path

# ![alt](url "title") as markdownify writes it.
_IMAGE = re.compile(r'!\[([^\]]*)\]\((\S+?)(?: "((?:[^"\\]|\\.)*)")?\)')
_SIZED = re.compile(r"-\d+x\d+(?=\.[A-Za-z0-9]+$)")
_UPLOADS = "/wp-content/uploads/"


@dataclass
class ImageReport:
    copied: list[str] = field(default_factory=list)  # paths under content/media/
    missing: list[str] = field(default_factory=list)  # "slug: old URL"
    described: list[str] = field(default_factory=list)  # "slug: path" given alt text


def _upload_path(url: str) -> str | None:
    """`https://old.example/wp-content/uploads/2023/05/a-300x200.jpg` -> `2023/05/a.jpg`."""
    path = unquote(urlsplit(url).path)
    if _UPLOADS not in path:
        return None
    original = _SIZED.sub("", path.split(_UPLOADS, 1)[1])
    return media_path(f"../media/{original}")


def _copy(uploads: Path, relative: str, media_dir: Path) -> bool:
    """Copy uploads/relative (else its resized name's original) to media_dir/relative."""
    source = (uploads / relative).resolve()
    if not source.is_relative_to(uploads.resolve()) or not source.is_file():
        return False
    target = media_dir / relative
    if not target.exists():
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, target)
    return True


def _alt_from(relative: str) -> str:
    stem = Path(relative).stem
    return re.sub(r"[-_]+", " ", stem).strip().capitalize() or "Image"


def bring_images(
    posts: list[WpPost], uploads: Path | None, content_dir: Path, report: ImageReport
) -> None:
    """Point each imported post's images at content/media/, copying them from `uploads`."""
    media_dir = content_dir / "media"
    for post in posts:

        def replace(match: re.Match[str], post: WpPost = post) -> str:
            alt, url, title = match.group(1), match.group(2), match.group(3) or ""
            relative = _upload_path(url)
            if uploads is not None and relative and _copy(uploads, relative, media_dir):
                report.copied.append(relative)
                if not alt.strip():
                    alt = title or _alt_from(relative)
                    report.described.append(f"{post.slug}: {relative}")
                caption = f' "{title}"' if title else ""
                return f"![{alt}](../media/{relative}{caption})"
            report.missing.append(f"{post.slug}: {url}")
            text = alt or title
            if url.startswith("https://"):
                return f"[{text or url}]({url})"
            return text

        post.body_markdown = _IMAGE.sub(replace, post.body_markdown)
    report.copied = sorted(set(report.copied))
