"""Publish a content folder to S3: validate everything, upload what changed, render each
post's page (and the site config) to the JSON requests read, rebuild the index."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

from chalicelib.posts.frontmatter import parse_post
from chalicelib.posts.images import image_errors, scan
from chalicelib.posts.media import MediaCatalog
from chalicelib.posts.media_publishing import media_keys, prune_media, upload_media
from chalicelib.posts.model import ContentError, ContentErrors, Post, PostMeta
from chalicelib.posts.site import SiteConfig, parse_site
from chalicelib.posts.store import (
    DRAFTS_PREFIX,
    POSTS_PREFIX,
    RENDERED_PREFIX,
    SITE_KEY,
    PostsIndex,
    PostStore,
    draft_key,
    page_key,
    post_key,
)


class PublishError(Exception):
    """Content failed validation; nothing was uploaded."""

    def __init__(self, errors: list[ContentError]) -> None:
        self.errors = errors
        super().__init__("\n".join(str(e) for e in errors))


@dataclass
class Content:
    site_text: str
    site: SiteConfig
    sources: dict[str, str]  # S3 key -> text, for every post file
    posts: dict[str, Post]  # S3 key -> parsed post
    media: MediaCatalog = field(default_factory=MediaCatalog)  # content/media/, measured
    media_files: dict[str, Path] = field(default_factory=dict)  # media path -> file


@dataclass
class PublishReport:
    uploaded: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    drafts: list[str] = field(default_factory=list)
    published: int = 0
    media_uploaded: list[str] = field(default_factory=list)
    media_removed: list[str] = field(default_factory=list)
    # What readers see differently now: the posts (before and after), or the whole site.
    changed_posts: list[PostMeta] = field(default_factory=list)
    site_changed: bool = False


def _read_text(path: Path) -> str:
    """A content file's text; ContentError when it is unreadable or not UTF-8."""
    try:
        data = path.read_bytes()
    except FileNotFoundError as exc:
        raise ContentError(str(path), None, "is missing") from exc
    except OSError as exc:
        raise ContentError(str(path), None, f"cannot be read: {exc.strerror}") from exc
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ContentError(str(path), None, f"is not UTF-8 text (byte {exc.start})") from exc


def _file_errors(path: Path, exc: ContentError) -> list[ContentError]:
    """The errors of one file, each naming the file as the author knows it."""
    found = exc.errors if isinstance(exc, ContentErrors) else [exc]
    return [ContentError(str(path), e.field, e.message) for e in found]


def load_content(content_dir: Path) -> Content:
    """Read and validate a content folder; raise PublishError listing every problem."""
    errors: list[ContentError] = []
    site_path = content_dir / SITE_KEY
    site_text = ""
    site: SiteConfig | None = None
    try:
        site_text = _read_text(site_path)
        site = parse_site(site_text)
    except ContentError as exc:
        errors.extend(_file_errors(site_path, exc))
    media, media_files, media_errors = scan(content_dir / "media")
    errors.extend(media_errors)
    sources: dict[str, str] = {}
    posts: dict[str, Post] = {}
    for path in sorted((content_dir / "posts").glob("*.md")):
        key = f"{POSTS_PREFIX}{path.name}"
        try:
            text = _read_text(path)
            posts[key] = parse_post(key, text, media)
        except ContentError as exc:
            errors.extend(_file_errors(path, exc))
            continue
        errors.extend(image_errors(str(path), posts[key], media))
        sources[key] = text
    if errors or site is None:
        raise PublishError(errors)
    return Content(site_text, site, sources, posts, media, media_files)


def _etag(text: str) -> str:
    # S3's ETag of a single-part upload is the MD5 of its bytes: comparing it
    # finds unchanged files without downloading them.
    return '"' + hashlib.md5(text.encode("utf-8"), usedforsecurity=False).hexdigest() + '"'


def _untracked(items: list[str], what: str) -> Iterable[str]:
    return items


def publish(
    store: PostStore,
    content: Content,
    prune: bool = False,
    track: Callable[[list[str], str], Iterable[str]] = _untracked,
) -> PublishReport:
    """Upload what changed, unpublish drafts (and deleted files with prune), rebuild the index.

    `track` wraps the uploads (the CLI's progress bar)."""
    report = PublishReport()
    before = store.index()
    remote = store.source_etags()
    live = {k: p for k, p in content.posts.items() if not p.draft}
    present = media_keys(store)
    used = content.media.only(path for post in live.values() for path in _image_paths(post))
    report.media_uploaded = upload_media(store, used, content.media_files, present)
    for key, post in content.posts.items():
        if post.draft:
            report.drafts.append(post.slug)
            if key in remote:
                store.delete_source(key)
                report.removed.append(key)
    _sync_drafts(store, content, prune, report)
    for key in track(list(live), "publishing"):
        if remote.get(key) == _etag(content.sources[key]):
            report.unchanged.append(key)
        else:
            store.put_source(key, content.sources[key])
            report.uploaded.append(key)
    if prune:
        for key in sorted(set(remote) - set(content.posts)):
            store.delete_source(key)
            report.removed.append(key)
    site_remote = store.read_source(SITE_KEY)
    if site_remote != content.site_text:
        store.put_source(SITE_KEY, content.site_text)
        report.uploaded.append(SITE_KEY)
        report.site_changed = True
    sync_pages(store, {SITE_KEY: content.site.to_json()}, SITE_KEY)
    keys = (set(remote) - set(report.removed)) | set(live)
    index = rebuild_index(store, live, keys, before.media.merged(content.media))
    if prune:
        report.media_removed = prune_media(store, index.media, present)
    report.published = len(index.posts)
    touched = [key for key in report.uploaded + report.removed if key != SITE_KEY]
    report.changed_posts = changed_posts(before, index, live, touched)
    return report


def _sync_drafts(store: PostStore, content: Content, prune: bool, report: PublishReport) -> None:
    """Drafts' sources go under drafts/ for signed previews only (never listed, never at
    /posts/...); a draft that went live, or whose file is gone (prune), leaves drafts/."""
    remote = store.source_etags(DRAFTS_PREFIX)
    wanted = {draft_key(p.slug): content.sources[k] for k, p in content.posts.items() if p.draft}
    for key, text in wanted.items():
        if remote.get(key) != _etag(text):
            store.put_source(key, text)
            report.uploaded.append(key)
    live = {draft_key(p.slug) for p in content.posts.values() if not p.draft}
    kept = dict(wanted)
    for key in sorted(set(remote) - set(wanted)):
        if key in live or prune:
            store.delete_source(key)
            report.removed.append(key)
        elif (source := store.read_source(key)) is not None:
            kept[key] = source  # a draft whose file is gone, left in place without prune
    # Previews render drafts as they always did: parsed under drafts/, images unsized.
    pages = {key: parse_post(key, text).to_json() for key, text in kept.items()}
    sync_pages(store, pages, DRAFTS_PREFIX)


def _image_paths(post: Post) -> set[str]:
    paths = {ref.path for ref in post.images if ref.path}
    return paths | {post.meta.image} if post.meta.image else paths


def changed_posts(
    before: PostsIndex, after: PostsIndex, live: dict[str, Post], touched: list[str]
) -> list[PostMeta]:
    """The posts whose pages differ, as they were and as they are: uploaded or removed
    (`touched` keys), with changed metadata, or showing an image that changed."""
    slugs = {key.removeprefix(POSTS_PREFIX).removesuffix(".md") for key in touched}
    for meta in {*before.posts, *after.posts}:
        if before.get(meta.slug) != after.get(meta.slug):
            slugs.add(meta.slug)
    for post in live.values():
        paths = sorted(_image_paths(post))
        if [before.media.get(p) for p in paths] != [after.media.get(p) for p in paths]:
            slugs.add(post.slug)
    metas = [before.get(slug) for slug in sorted(slugs)] + [after.get(s) for s in sorted(slugs)]
    return [meta for meta in metas if meta is not None]


def rebuild_index(
    store: PostStore,
    known: dict[str, Post],
    keys: set[str] | None = None,
    media: MediaCatalog | None = None,
) -> PostsIndex:
    """Derive the posts index from what the bucket holds now (`keys`, when the caller knows),
    with the images its posts show (from `media`, else the index the bucket holds)."""
    media = store.index().media if media is None else media
    metas, used, pages = [], set(), {}
    for key in sorted(store.source_etags() if keys is None else keys):
        post = known.get(key)
        if post is None:
            text = store.read_source(key)
            if text is None:
                continue
            post = parse_post(key, text, media)
        if not post.draft:
            metas.append(post.meta)
            used |= _image_paths(post)
            pages[key] = post.to_json()
    sync_pages(store, pages, POSTS_PREFIX)  # before the index that says they are there
    index = PostsIndex(metas, media.only(used))
    store.put_index(index)
    return index


def sync_pages(store: PostStore, pages: dict[str, str], prefix: str) -> list[str]:
    """Upload the rendered pages (source key -> JSON) that differ from the bucket's, delete
    the bucket's other pages of sources under `prefix`; return the keys uploaded."""
    remote = store.source_etags(RENDERED_PREFIX + prefix.removesuffix(".yaml"), ".json")
    uploaded = []
    for source_key, text in pages.items():
        if remote.get(page_key(source_key)) != _etag(text):
            store.put_page(source_key, text)
            uploaded.append(page_key(source_key))
    for key in sorted(set(remote) - {page_key(k) for k in pages}):
        store.delete_page(key)
    return uploaded


def unpublish(store: PostStore, slug: str) -> tuple[PostsIndex, PostMeta | None]:
    """Remove a post; return the index and the post as it was (None if it was not published)."""
    gone = store.index().get(slug)
    store.delete_source(post_key(slug))
    return rebuild_index(store, {}), gone
