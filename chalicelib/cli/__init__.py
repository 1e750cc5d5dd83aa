"""The authoring and moderation CLI: `python -m chalicelib.cli COMMAND` (or `make cli ARGS=...`)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError

from chalicelib import deps, settings
from chalicelib.cli import authoring, moderation
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
    os.environ["BLOG_STAGE"] = stage  # finds the stage's CDN distribution to invalidate
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

    authoring.add_parsers(sub)
    moderation.add_parser(sub)
    return p


_REFUSED_CREDENTIALS = {
    "InvalidClientTokenId",
    "SignatureDoesNotMatch",
    "ExpiredToken",
    "UnrecognizedClientException",
    "InvalidAccessKeyId",
}


def _aws_message(exc: ClientError) -> str:
    """One line that says what an AWS refusal means for the person at the terminal."""
    code = exc.response.get("Error", {}).get("Code", "")
    if code in _MISSING:
        s = settings.current()
        what = _MISSING[code].format(bucket=s.bucket, table=s.table)
        return (
            f"{what}: deploy the stage first (make deploy STAGE=...), "
            "or run create-resources against the local stack"
        )
    if code in _REFUSED_CREDENTIALS:
        return f"AWS refused the credentials ({code}): check your profile or keys"
    return str(exc)


def _failure(exc: Exception) -> str:
    if isinstance(exc, PublishError):
        return "".join(f"error: {err}\n" for err in exc.errors) + "Nothing was published.\n"
    if isinstance(exc, NoCredentialsError):
        message = (
            "no AWS credentials found; configure a profile or set "
            "AWS_ENDPOINT_URL for the local stack"
        )
    elif isinstance(exc, ClientError):
        message = _aws_message(exc)
    else:
        message = str(exc)
    return f"error: {message}\n"


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
    except (PublishError, CliError, BotoCoreError, ClientError, settings.ConfigError) as exc:
        sys.stderr.write(_failure(exc))
        return 1
    return 0
