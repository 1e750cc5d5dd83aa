"""Authoring commands: publish, unpublish, new, import-wordpress, status, create-resources."""

from __future__ import annotations

import argparse
import datetime as dt
import os
from pathlib import Path
from typing import Any

import yaml
from slugify import slugify

from chalicelib import deps, settings
from chalicelib.cli.output import CliError, each, out, track
from chalicelib.edge_cache import paths_for
from chalicelib.posts.model import SLUG_RE, PostMeta
from chalicelib.posts.publishing import load_content, publish, unpublish
from chalicelib.posts.site import parse_site
from chalicelib.posts.store import post_key
from chalicelib.resources import create_resources


def local_site_url(args: argparse.Namespace) -> str | None:
    """The URL to publish under: --site-url, else the running local stack's own
    (BLOG_SITE_URL, which make run writes into .local/env), never on a deployed stage."""
    if args.site_url:
        return str(args.site_url)
    if not args.stage and os.environ.get("AWS_ENDPOINT_URL"):
        return os.environ.get("BLOG_SITE_URL") or None
    return None


def with_site_url(site_text: str, url: str) -> str:
    """site.yaml's text with `url:` replaced, every other line kept as the author wrote it."""
    lines = site_text.splitlines(keepends=True)
    for i, line in enumerate(lines):
        if line.startswith("url:"):
            lines[i] = f"url: {url.rstrip('/')}\n"
            return "".join(lines)
    return f"url: {url.rstrip('/')}\n" + site_text


def cmd_publish(args: argparse.Namespace) -> None:
    content = load_content(Path(args.content))
    url = local_site_url(args)
    if url:
        content.site_text = with_site_url(content.site_text, url)
        content.site = parse_site(content.site_text)  # what the rendered site.json says
    if args.dry_run:
        out(f"{len(content.posts)} post file(s) and site.yaml are valid; nothing uploaded.")
        return
    report = publish(deps.posts(), content, prune=args.prune, track=track)
    each("uploaded", report.uploaded)
    each("removed", report.removed)
    each("draft", report.drafts, " (not published)")
    out(
        f"{report.published} post(s) published; {len(report.unchanged)} unchanged; "
        f"{len(report.media_uploaded)} image file(s) uploaded, {len(report.media_removed)} removed."
    )
    _invalidate(report.changed_posts, report.site_changed)


def _invalidate(posts: list[PostMeta], everything: bool = False) -> None:
    """One CDN invalidation for what readers now see differently (none under make run)."""
    paths = paths_for(posts, everything) if posts or everything else []
    if paths and (found := deps.edge().invalidate(paths)):
        out(f"CDN: invalidation {found} of {len(paths)} path(s).")
    elif paths and settings.current().stage != "local":
        out("warning: the CDN invalidation failed; pages refresh within a minute anyway.")


def cmd_unpublish(args: argparse.Namespace) -> None:
    store = deps.posts()
    if not SLUG_RE.match(args.slug) or (
        store.read_source(post_key(args.slug)) is None and store.index().get(args.slug) is None
    ):
        raise CliError(f"no post {args.slug!r} is published (see: status)")
    index, gone = unpublish(store, args.slug)
    out(f"unpublished {args.slug}; {len(index.posts)} post(s) remain.")
    _invalidate([gone] if gone else [])


def cmd_new(args: argparse.Namespace) -> None:
    slug = args.slug or slugify(args.title)
    if not SLUG_RE.match(slug):
        raise CliError(f"cannot make a slug from {args.title!r}; pass --slug")
    path = Path(args.content) / "posts" / f"{slug}.md"
    if path.exists():
        raise CliError(f"{path} already exists")
    front = {
        "title": args.title,
        "date": dt.date.today().isoformat(),
        "author": args.author,
        "category": args.category,
        "tags": [t.strip() for t in args.tags.split(",") if t.strip()],
        "comments": "open",
        "draft": True,
    }
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        "---\n" + yaml.safe_dump(front, sort_keys=False, allow_unicode=True) + "---\n"
        "Write the post here in Markdown. Set `draft: false` and run publish when it is ready.\n",
        encoding="utf-8",
    )
    out(f"created {path}")


def cmd_import_wordpress(args: argparse.Namespace) -> None:
    from chalicelib.importers import uploads, wordpress, wxr

    try:
        xml_text = Path(args.export).read_text(encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot read {args.export}: {exc.strerror}") from exc
    try:
        posts, skipped = wxr.parse_export(xml_text)
    except wxr.WxrError as exc:
        raise CliError(f"{args.export}: {exc}") from exc
    report = wordpress.ImportReport(skipped=skipped)
    images = uploads.ImageReport()
    uploads.bring_images(posts, _uploads_dir(args.uploads), Path(args.content), images)
    wordpress.write_posts(posts, Path(args.content), report)
    imported = [p for p in posts if (Path(args.content) / "posts" / f"{p.slug}.md").exists()]
    if not args.no_publish:
        publish(deps.posts(), load_content(Path(args.content)))
        with_comments = [p for p in imported if p.comments]
        wordpress.import_comments(
            deps.comments(), deps.signing(), track(with_comments, "importing comments"), report
        )
    each("image", images.copied, " (copied to media/)")
    each("missing", images.missing, " (not in the uploads folder)")
    each("alt text", images.described, ": made from the file name or caption; describe it")
    each("wrote", report.written)
    each("kept", report.kept, " (already there)")
    each("skipped", [f"{item.title}: {item.reason}" for item in report.skipped])
    out(
        f"{len(report.written)} post(s) written, {len(report.kept)} kept; "
        f"{report.comments_added} comment(s) imported, {report.comments_present} already there."
    )


def _uploads_dir(value: str | None) -> Path | None:
    if value is None:
        return None
    if not Path(value).is_dir():
        raise CliError(f"--uploads {value}: no such folder (a copy of wp-content/uploads)")
    return Path(value)


def cmd_status(args: argparse.Namespace) -> None:
    index = deps.posts().index()
    today = dt.datetime.now(dt.UTC).date()
    out(f"{len(index.posts)} post(s) published in s3://{settings.current().bucket}:")
    for p in index.posts:
        when = "" if p.is_visible(today) else "  (scheduled)"
        out(f"  {p.date}  {p.slug}{when}")
    pending, _ = deps.comments().by_status("pending", limit=200)
    out(f"{len(pending)} comment(s) awaiting moderation.")


def cmd_upgrade(args: argparse.Namespace) -> None:
    from chalicelib.comments.upgrade import upgrade

    report = upgrade(deps.comments())
    counts = ", ".join(f"{n} {s}" for s, n in (report.counted or {}).items())
    out(f"moved {report.moved} held comment(s) out of their posts' pages; counted {counts}.")
    out(f"stored the first page of comments of {report.pages} post(s).")


def cmd_create_resources(args: argparse.Namespace) -> None:
    made = create_resources()
    out("created " + ", ".join(made) if made else "bucket and table already exist")


def add_parsers(sub: Any) -> None:
    """The authoring commands' arguments."""
    pub = sub.add_parser(
        "publish", help="validate every post, upload what changed, render pages, rebuild the index"
    )
    pub.add_argument(
        "content", nargs="?", default="content", help="content folder (default: content)"
    )
    pub.add_argument(
        "--prune", action="store_true", help="unpublish posts whose files were deleted"
    )
    pub.add_argument("--dry-run", action="store_true", help="validate only")
    pub.add_argument(
        "--site-url",
        help="publish under this url instead of site.yaml's (default under make run: "
        "the running site's own, BLOG_SITE_URL from .local/env)",
    )
    pub.set_defaults(func=cmd_publish)

    unp = sub.add_parser("unpublish", help="remove one post from the site")
    unp.add_argument("slug", help="the post's URL name")
    unp.set_defaults(func=cmd_unpublish)

    new = sub.add_parser("new", help="scaffold a draft post with front matter")
    new.add_argument("title", help="the post's title")
    new.add_argument("--slug", help="the URL name (default: from the title)")
    new.add_argument(
        "--author", default=os.environ.get("USER", "Editor"), help="the byline (default: $USER)"
    )
    new.add_argument("--category", default="General", help="the post's category")
    new.add_argument("--tags", default="", help="comma-separated")
    new.add_argument("--content", default="content", help="content folder (default: content)")
    new.set_defaults(func=cmd_new)

    _add_import_parser(sub)

    st = sub.add_parser("status", help="what is published and what awaits moderation")
    st.set_defaults(func=cmd_status)

    up = sub.add_parser(
        "upgrade",
        help="bring a comment table from an earlier version to today's layout (idempotent)",
    )
    up.set_defaults(func=cmd_upgrade)

    res = sub.add_parser("create-resources", help="create the bucket and table (local stack)")
    res.set_defaults(func=cmd_create_resources)


def _add_import_parser(sub: Any) -> None:
    wp = sub.add_parser(
        "import-wordpress",
        help="bring posts and approved comments over from a WordPress export (WXR)",
    )
    wp.add_argument("export", help="the .xml file from Tools > Export in WordPress")
    wp.add_argument("--content", default="content", help="where to write the posts")
    wp.add_argument(
        "--uploads",
        metavar="DIR",
        help="a copy of wp-content/uploads: the posts' images are copied to content/media/",
    )
    wp.add_argument(
        "--no-publish",
        action="store_true",
        help="only write the Markdown files; publish and import comments later",
    )
    wp.set_defaults(func=cmd_import_wordpress)
