"""`preview SLUG`: a signed link that shows a draft or scheduled post for 24 hours."""

from __future__ import annotations

import argparse
import datetime as dt
import os
from typing import Any

from chalicelib import deps
from chalicelib.cli.output import CliError, out
from chalicelib.posts.model import SLUG_RE
from chalicelib.signing import PREVIEW_SECONDS


def cmd_preview(args: argparse.Namespace) -> None:
    if not SLUG_RE.match(args.slug):
        raise CliError(f"{args.slug!r} is not a post's slug")
    store = deps.posts()
    if store.preview(args.slug) is None:
        raise CliError(
            f"no post or draft {args.slug!r} has been published: run publish first "
            "(drafts are uploaded for previews only, never shown in the site)"
        )
    base = _site_url(args)
    token = deps.signing().preview_token(args.slug)
    until = dt.datetime.now(dt.UTC) + dt.timedelta(seconds=PREVIEW_SECONDS)
    out(f"{base}/preview/{token}")
    out(f"Anyone with this link can see the page until {until:%Y-%m-%d %H:%M} UTC.")


def _site_url(args: argparse.Namespace) -> str:
    """The running local site's URL, else the published site.yaml's."""
    if not args.stage and os.environ.get("AWS_ENDPOINT_URL") and os.environ.get("BLOG_SITE_URL"):
        return os.environ["BLOG_SITE_URL"].rstrip("/")
    return deps.posts().site().url.rstrip("/")


def add_parser(sub: Any) -> None:
    pre = sub.add_parser("preview", help="print a signed 24-hour link to a draft or scheduled post")
    pre.add_argument("slug", help="the post's URL name (its file name without .md)")
    pre.set_defaults(func=cmd_preview)
