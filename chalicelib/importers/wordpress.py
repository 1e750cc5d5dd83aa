"""Import a WordPress export: posts to Markdown files, approved comments to the comment store.

Used by the CLI only (never on a request path); the export is read by importers/wxr.py.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from chalicelib.comments.model import make_comment
from chalicelib.importers.wxr import Skipped, WpPost
from chalicelib.posts.model import SLUG_RE


def comment_id(post_slug: str, wp_id: str, created: dt.datetime) -> str:
    """Deterministic, time-ordered ids: importing again finds the same comments."""
    millis = int(created.timestamp() * 1000)
    digest = hashlib.sha256(f"{post_slug}\0{wp_id}".encode()).hexdigest()[:8]
    return f"{millis:012x}{digest}"


@dataclass
class ImportReport:
    written: list[str] = field(default_factory=list)
    kept: list[str] = field(default_factory=list)
    skipped: list[Skipped] = field(default_factory=list)
    comments_added: int = 0
    comments_present: int = 0


def write_posts(posts: list[WpPost], content_dir: Path, report: ImportReport) -> None:
    """Write each post's Markdown file; an existing file is the author's now and is kept."""
    folder = content_dir / "posts"
    folder.mkdir(parents=True, exist_ok=True)
    for post in posts:
        if not SLUG_RE.match(post.slug):
            report.skipped.append(Skipped(post.title, f"no usable slug ({post.slug!r})"))
            continue
        path = folder / f"{post.slug}.md"
        if path.exists():
            report.kept.append(str(path))
            continue
        path.write_text(post.to_file_text(), encoding="utf-8")
        report.written.append(str(path))


def import_comments(
    store: Any, signing: Any, posts: Iterable[WpPost], report: ImportReport
) -> None:
    """Store approved comments with their threads; ones already imported are left alone."""
    for post in posts:
        paths: dict[str, str] = {}
        ids: dict[str, str] = {}
        added = False
        # Parents before children: WordPress exports in id order, which dates follow.
        for wc in sorted(post.comments, key=lambda c: (c.created, int(c.wp_id or 0))):
            cid = comment_id(post.slug, wc.wp_id, wc.created)
            parent = wc.parent_wp_id if wc.parent_wp_id not in ("", "0") else None
            parent_path = paths.get(parent) if parent else None  # unknown parent: top level
            path = f"{parent_path}/{cid}" if parent_path else cid
            paths[wc.wp_id], ids[wc.wp_id] = path, cid
            comment = make_comment(
                id=cid,
                post=post.slug,
                path=path,
                parent_id=ids[parent] if parent and parent_path else None,
                author=wc.author,
                email=wc.email,
                url=wc.url,
                body=wc.body_markdown,
                status="approved",
                created=wc.created,
                email_hash=signing.email_hash(wc.email) if wc.email else "",
                client_hash=signing.keyed_hash("client", wc.ip) if wc.ip else "",
            )
            if store.import_comment(comment, store_page=False):
                report.comments_added += 1
                added = True
            else:
                report.comments_present += 1
        if added:
            store.rebuild_first_page(post.slug)  # once for the post, not once per comment
