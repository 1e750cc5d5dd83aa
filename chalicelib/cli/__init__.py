"""The authoring and moderation CLI: `python -m chalicelib.cli COMMAND` (or `make cli ARGS=...`)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from chalicelib import deps, settings
from chalicelib.cli.authoring import (
    cmd_create_resources,
    cmd_import_wordpress,
    cmd_new,
    cmd_publish,
    cmd_status,
    cmd_unpublish,
)
from chalicelib.cli.moderation import MODERATION_ACTIONS, cmd_comments
from chalicelib.cli.output import CliError, out
from chalicelib.comments.model import STATUSES
from chalicelib.posts.publishing import PublishError


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
        out(f"error: status must be one of {', '.join(STATUSES)}")
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
