"""The authoring and moderation CLI: `python -m chalicelib.cli COMMAND` (or `make cli ARGS=...`)."""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
from collections.abc import Sequence
from pathlib import Path

import yaml
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError
from slugify import slugify

from chalicelib import deps, settings
from chalicelib.comments.model import STATUSES
from chalicelib.posts.model import SLUG_RE
from chalicelib.posts.publishing import PublishError, load_content, publish, unpublish
from chalicelib.resources import create_resources

MODERATION_ACTIONS = {
    "approve": "approved",
    "unapprove": "pending",
    "spam": "spam",
    "trash": "trash",
}


class CliError(Exception):
    """A failure to report in one clear line, with exit status 1."""


def _out(text: str = "") -> None:
    sys.stdout.write(text + "\n")


def _each(label: str, items: list[str], note: str = "") -> None:
    """One aligned line per item of a report: `uploaded   posts/x.md`."""
    for item in items:
        _out(f"{label:<10} {item}{note}")


# --- authoring ---------------------------------------------------------------


def cmd_publish(args: argparse.Namespace) -> None:
    content = load_content(Path(args.content))
    if args.site_url:
        data = yaml.safe_load(content.site_text)
        data["url"] = args.site_url.rstrip("/")
        content.site_text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    if args.dry_run:
        _out(f"{len(content.posts)} post file(s) and site.yaml are valid; nothing uploaded.")
        return
    report = publish(deps.posts(), content, prune=args.prune)
    _each("uploaded", report.uploaded)
    _each("removed", report.removed)
    _each("draft", report.drafts, " (not published)")
    _out(f"{report.published} post(s) published; {len(report.unchanged)} unchanged.")


def cmd_unpublish(args: argparse.Namespace) -> None:
    index = unpublish(deps.posts(), args.slug)
    _out(f"unpublished {args.slug}; {len(index.posts)} post(s) remain.")


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
    _out(f"created {path}")


def cmd_import_wordpress(args: argparse.Namespace) -> None:
    from chalicelib.importers import wordpress

    try:
        xml_text = Path(args.export).read_text(encoding="utf-8")
    except OSError as exc:
        raise CliError(f"cannot read {args.export}: {exc.strerror}") from exc
    try:
        posts, skipped = wordpress.parse_export(xml_text)
    except wordpress.WxrError as exc:
        raise CliError(f"{args.export}: {exc}") from exc
    report = wordpress.ImportReport(skipped=skipped)
    wordpress.write_posts(posts, Path(args.content), report)
    imported = [p for p in posts if (Path(args.content) / "posts" / f"{p.slug}.md").exists()]
    if not args.no_publish:
        publish(deps.posts(), load_content(Path(args.content)))
        wordpress.import_comments(deps.comments(), deps.signing(), imported, report)
    _each("wrote", report.written)
    _each("kept", report.kept, " (already there)")
    _each("skipped", [f"{item.title}: {item.reason}" for item in report.skipped])
    _out(
        f"{len(report.written)} post(s) written, {len(report.kept)} kept; "
        f"{report.comments_added} comment(s) imported, {report.comments_present} already there."
    )


def cmd_status(args: argparse.Namespace) -> None:
    index = deps.posts().index()
    today = dt.datetime.now(dt.UTC).date()
    _out(f"{len(index.posts)} post(s) published in s3://{settings.current().bucket}:")
    for p in index.posts:
        when = "" if p.is_visible(today) else "  (scheduled)"
        _out(f"  {p.date}  {p.slug}{when}")
    pending, _ = deps.comments().by_status("pending", limit=200)
    _out(f"{len(pending)} comment(s) awaiting moderation.")


def cmd_create_resources(args: argparse.Namespace) -> None:
    made = create_resources()
    _out("created " + ", ".join(made) if made else "bucket and table already exist")


# --- moderation --------------------------------------------------------------


def cmd_comments(args: argparse.Namespace) -> None:
    store = deps.comments()
    if args.action == "list":
        comments, _ = store.by_status(args.target or "pending", limit=args.limit)
        if args.json:
            _out(json.dumps([c.admin_dict() for c in comments], indent=2, ensure_ascii=False))
            return
        for c in comments:
            first_line = " ".join(c.body.split())[:70]
            _out(f"{c.id}  {c.created_at}  {c.post}  {c.author} <{c.email}>  {first_line}")
        _out(f"{len(comments)} {args.target or 'pending'} comment(s).")
    elif args.action in MODERATION_ACTIONS:
        for comment_id in _targets(args):
            if store.set_status(comment_id, MODERATION_ACTIONS[args.action]) is None:
                raise CliError(f"no comment {comment_id}")
            _out(f"{comment_id}: {MODERATION_ACTIONS[args.action]}")
    elif args.action == "delete":
        for comment_id in _targets(args):
            if not store.delete(comment_id):
                raise CliError(f"no comment {comment_id}")
            _out(f"{comment_id}: deleted")
    elif args.action == "export":
        found = store.by_email(deps.signing().email_hash(_target(args)))
        _out(json.dumps([c.admin_dict() for c in found], indent=2, ensure_ascii=False))
    elif args.action == "erase":
        email = _target(args)
        erased = store.erase_email(deps.signing().email_hash(email))
        _out(f"erased {erased} comment(s) and the reputation of {email}")


def _targets(args: argparse.Namespace) -> list[str]:
    ids = [args.target, *args.more] if args.target else []
    if not ids:
        raise CliError(f"comments {args.action} needs at least one comment id")
    return ids


def _target(args: argparse.Namespace) -> str:
    if not args.target or "@" not in args.target:
        raise CliError(f"comments {args.action} needs an email address")
    return str(args.target)


# --- entry point -------------------------------------------------------------


def use_stage(stage: str) -> None:
    """Point the CLI at a deployed stage of the account and region of the credentials."""
    import boto3

    session = boto3.Session()
    account = session.client("sts").get_caller_identity()["Account"]
    if not session.region_name:
        raise CliError("no AWS region: set AWS_REGION or a region in your profile")
    names = settings.stage_names(stage, account, session.region_name)
    os.environ["BLOG_BUCKET"], os.environ["BLOG_TABLE"] = names["bucket"], names["table"]
    deps.reset()


_MISSING = {
    "NoSuchBucket": "the bucket {bucket} does not exist",
    "ResourceNotFoundException": "the table {table} does not exist",
}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="lambdapress", description=__doc__)
    p.add_argument(
        "--stage",
        choices=["dev", "prod"],
        help="work on a deployed stage (default: BLOG_BUCKET/BLOG_TABLE, or the "
        "local stack when AWS_ENDPOINT_URL is set)",
    )
    sub = p.add_subparsers(dest="command", required=True)

    pub = sub.add_parser(
        "publish", help="validate every post, upload what changed, rebuild the index"
    )
    pub.add_argument(
        "content", nargs="?", default="content", help="content folder (default: content)"
    )
    pub.add_argument(
        "--prune", action="store_true", help="unpublish posts whose files were deleted"
    )
    pub.add_argument("--dry-run", action="store_true", help="validate only")
    pub.add_argument("--site-url", help="override site.yaml's url (local runs)")
    pub.set_defaults(func=cmd_publish)

    unp = sub.add_parser("unpublish", help="remove one post from the site")
    unp.add_argument("slug")
    unp.set_defaults(func=cmd_unpublish)

    new = sub.add_parser("new", help="scaffold a draft post with front matter")
    new.add_argument("title")
    new.add_argument("--slug")
    new.add_argument("--author", default=os.environ.get("USER", "Editor"))
    new.add_argument("--category", default="General")
    new.add_argument("--tags", default="", help="comma-separated")
    new.add_argument("--content", default="content")
    new.set_defaults(func=cmd_new)

    wp = sub.add_parser(
        "import-wordpress",
        help="bring posts and approved comments over from a WordPress export (WXR)",
    )
    wp.add_argument("export", help="the .xml file from Tools > Export in WordPress")
    wp.add_argument("--content", default="content", help="where to write the posts")
    wp.add_argument(
        "--no-publish",
        action="store_true",
        help="only write the Markdown files; publish and import comments later",
    )
    wp.set_defaults(func=cmd_import_wordpress)

    st = sub.add_parser("status", help="what is published and what awaits moderation")
    st.set_defaults(func=cmd_status)

    res = sub.add_parser("create-resources", help="create the bucket and table (local stack)")
    res.set_defaults(func=cmd_create_resources)

    com = sub.add_parser(
        "comments",
        help="moderate: list, approve, unapprove, spam, trash, delete, export EMAIL, erase EMAIL",
    )
    com.add_argument("action", choices=["list", *MODERATION_ACTIONS, "delete", "export", "erase"])
    com.add_argument("target", nargs="?", help="a status (list), comment id(s), or an email")
    com.add_argument("more", nargs="*", help="more comment ids")
    com.add_argument("--limit", type=int, default=50)
    com.add_argument("--json", action="store_true")
    com.set_defaults(func=cmd_comments)
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if (
        args.command == "comments"
        and args.action == "list"
        and args.target not in (None, *STATUSES)
    ):
        _out(f"error: status must be one of {', '.join(STATUSES)}")
        return 2
    try:
        if args.stage:
            use_stage(args.stage)
        args.func(args)
    except PublishError as exc:
        for err in exc.errors:
            sys.stderr.write(f"error: {err}\n")
        sys.stderr.write("Nothing was published.\n")
        return 1
    except CliError as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    except NoCredentialsError:
        sys.stderr.write(
            "error: no AWS credentials found; configure a profile or set "
            "AWS_ENDPOINT_URL for the local stack\n"
        )
        return 1
    except ClientError as exc:
        code = exc.response.get("Error", {}).get("Code", "")
        if code in _MISSING:
            s = settings.current()
            what = _MISSING[code].format(bucket=s.bucket, table=s.table)
            sys.stderr.write(
                f"error: {what}: deploy the stage first (make deploy STAGE=...), "
                "or run create-resources against the local stack\n"
            )
        elif code in (
            "InvalidClientTokenId",
            "SignatureDoesNotMatch",
            "ExpiredToken",
            "UnrecognizedClientException",
            "InvalidAccessKeyId",
        ):
            sys.stderr.write(
                f"error: AWS refused the credentials ({code}): check your profile or keys\n"
            )
        else:
            sys.stderr.write(f"error: {exc}\n")
        return 1
    except (BotoCoreError, settings.ConfigError) as exc:
        sys.stderr.write(f"error: {exc}\n")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
