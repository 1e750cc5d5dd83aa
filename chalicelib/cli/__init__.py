"""The authoring and moderation CLI: `python -m chalicelib.cli COMMAND` (or `make cli ARGS=...`)."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

from botocore.exceptions import (
    BotoCoreError,
    ClientError,
    EndpointConnectionError,
    NoCredentialsError,
    NoRegionError,
)

from chalicelib import deps, settings
from chalicelib.cli import authoring, moderation, preview
from chalicelib.cli.output import CliError, error_line
from chalicelib.comments.model import STATUSES
from chalicelib.faults import Unavailable
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
    # The signing key comes from the stage's SSM parameter unless BLOG_SECRET_KEY is set.
    parameter = settings.parameter_names(stage)["BLOG_SECRET_KEY"]
    os.environ.setdefault("BLOG_SECRET_KEY_PARAMETER", parameter)
    os.environ["BLOG_STAGE"] = stage  # finds the stage's CDN distribution to invalidate
    deps.reset()


def stage_name(value: str) -> str:
    """A stage name as tools/infra.py accepts it (argparse type)."""
    if not settings.STAGE_RE.fullmatch(value):
        raise argparse.ArgumentTypeError(
            f"{value!r} is not a stage name: lowercase letters and digits, up to 12"
        )
    return value


_MISSING = {
    "NoSuchBucket": "the bucket {bucket} does not exist",
    "ResourceNotFoundException": "the table {table} does not exist",
}


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(prog="lambdapress", description=__doc__)
    p.add_argument(
        "--stage",
        type=stage_name,
        metavar="STAGE",
        help="work on a deployed stage, such as dev or prod (default: the local stack "
        "when AWS_ENDPOINT_URL is set, see source .local/env)",
    )
    sub = p.add_subparsers(dest="command", required=True)

    authoring.add_parsers(sub)
    preview.add_parser(sub)
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


def _failure(exc: Exception, staged: bool = False) -> str:
    if isinstance(exc, PublishError):
        # One line per problem, `file: field: message`, as an editor's quickfix list reads them.
        return "".join(f"{err}\n" for err in exc.errors) + "Nothing was published.\n"
    if isinstance(exc, NoRegionError | NoCredentialsError) and not (
        staged or os.environ.get("AWS_ENDPOINT_URL")
    ):
        message = NO_STACK
    elif isinstance(exc, Unavailable):
        where = os.environ.get("AWS_ENDPOINT_URL")
        message = f"{exc}: is make run still running at {where}?" if where else str(exc)
    elif isinstance(exc, NoCredentialsError):
        message = (
            "no AWS credentials found: configure a profile (AWS_PROFILE) or keys; "
            "for the local stack run `source .local/env`"
        )
    elif isinstance(exc, EndpointConnectionError):
        message = f"cannot reach {exc.kwargs.get('endpoint_url', 'AWS')}: is make run running?"
    elif isinstance(exc, ClientError):
        message = _aws_message(exc)
    else:
        message = str(exc)
    return error_line(message)


NO_STACK = (
    "no stack to work on: for the local stack run `source .local/env` first "
    "(make run writes it); for a deployed one pass --stage with AWS credentials and a region"
)


def _needs_stack(args: argparse.Namespace) -> bool:
    return not (args.command == "new" or getattr(args, "dry_run", False))


def _has_stack() -> bool:
    """A local endpoint, or a bucket chosen by hand (BLOG_BUCKET) with a region."""
    if os.environ.get("AWS_ENDPOINT_URL"):
        return True
    return bool(os.environ.get("BLOG_BUCKET") and settings.aws_region())


def main(argv: Sequence[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if (
        args.command == "comments"
        and args.action == "list"
        and args.target not in (None, *STATUSES)
    ):
        sys.stderr.write(error_line(f"status must be one of {', '.join(STATUSES)}"))
        return 2
    try:
        if args.stage:
            use_stage(args.stage)
        elif _needs_stack(args) and not _has_stack():
            raise CliError(NO_STACK)
        args.func(args)
        sys.stdout.flush()
    except (
        PublishError,
        CliError,
        BotoCoreError,
        ClientError,
        settings.ConfigError,
        Unavailable,
    ) as exc:
        sys.stderr.write(_failure(exc, staged=bool(args.stage)))
        return 1
    except BrokenPipeError:
        # The reader went away (`| head`): stop quietly. Point stdout at /dev/null so that
        # Python's own flush at exit does not fail again (the docs' recipe).
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        return 1
    except KeyboardInterrupt:
        sys.stderr.write("\ninterrupted\n")
        return 130
    return 0
