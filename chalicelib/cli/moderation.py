"""Moderation commands: list, approve, unapprove, spam, trash, delete, export and erase."""

from __future__ import annotations

import argparse
import json
from typing import Any

from chalicelib import deps
from chalicelib.cli.output import CliError, confirm, out, track
from chalicelib.comments import moderation
from chalicelib.comments.model import moderation_now

MODERATION_ACTIONS = {
    "approve": "approved",
    "unapprove": "pending",
    "spam": "spam",
    "trash": "trash",
}


def _list(args: argparse.Namespace) -> None:
    status = args.target or "pending"
    comments, _ = deps.comments().by_status(status, limit=args.limit)
    if args.json:
        out(json.dumps([c.admin_dict() for c in comments], indent=2, ensure_ascii=False))
        return
    for c in comments:
        first_line = " ".join(c.body.split())[:70]
        out(f"{c.id}  {c.created_at}  {c.post}  {c.author} <{c.email}>  {first_line}")
    out(f"{len(comments)} {status} comment(s).")


def _acting() -> moderation.Session:
    """The command's actions, their pages invalidated at the CDN once, at the end."""
    return moderation.Session(deps.comments(), deps.posts(), deps.edge(), each=False)


def _moderate(args: argparse.Namespace) -> None:
    status = MODERATION_ACTIONS[args.action]
    acting = _acting()
    try:
        for comment_id in _targets(args):
            if acting.set_status(comment_id, status, moderation_now("CLI")) is None:
                raise CliError(f"no comment {comment_id}")
            out(f"{comment_id}: {status}")
    finally:
        acting.done()


def _delete(args: argparse.Namespace) -> None:
    ids = _targets(args)
    confirm(f"Delete {len(ids)} comment(s) for good?", args.yes)
    acting = _acting()
    try:
        for comment_id in ids:
            if not acting.delete(comment_id):
                raise CliError(f"no comment {comment_id}")
            out(f"{comment_id}: deleted")
    finally:
        acting.done()


def _export(args: argparse.Namespace) -> None:
    found = deps.comments().by_email(deps.signing().email_hash(_target(args)))
    out(json.dumps([c.admin_dict() for c in found], indent=2, ensure_ascii=False))


def _erase(args: argparse.Namespace) -> None:
    email = _target(args)
    confirm(f"Erase every comment and the reputation of {email}?", args.yes)
    acting = _acting()
    erased = acting.erase_email(deps.signing().email_hash(email), track=track)
    acting.done()
    out(f"erased {erased} comment(s) and the reputation of {email}")


_ACTIONS = {
    "list": _list,
    **dict.fromkeys(MODERATION_ACTIONS, _moderate),
    "delete": _delete,
    "export": _export,
    "erase": _erase,
}
ACTIONS = tuple(_ACTIONS)


def cmd_comments(args: argparse.Namespace) -> None:
    _ACTIONS[args.action](args)


def _targets(args: argparse.Namespace) -> list[str]:
    ids = [args.target, *args.more] if args.target else []
    if not ids:
        raise CliError(f"comments {args.action} needs at least one comment id")
    return ids


def _target(args: argparse.Namespace) -> str:
    if not args.target or "@" not in args.target:
        raise CliError(f"comments {args.action} needs an email address")
    return str(args.target)


def add_parser(sub: Any) -> None:
    """The comments command's arguments."""
    com = sub.add_parser(
        "comments",
        help="moderate: list, approve, unapprove, spam, trash, delete, export EMAIL, erase EMAIL",
    )
    com.add_argument("action", choices=ACTIONS, help="what to do: " + ", ".join(ACTIONS))
    com.add_argument("target", nargs="?", help="a status (list), comment id(s), or an email")
    com.add_argument("more", nargs="*", help="more comment ids")
    com.add_argument("--limit", type=int, default=50, help="how many to list (default: 50)")
    com.add_argument("--json", action="store_true", help="list as JSON")
    com.add_argument(
        "--yes", action="store_true", help="do not ask before delete and erase (scripts)"
    )
    com.set_defaults(func=cmd_comments)
