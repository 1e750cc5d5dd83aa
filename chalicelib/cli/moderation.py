"""Moderation commands: list, approve, unapprove, spam, trash, delete, export and erase."""

from __future__ import annotations

import argparse
import json

from chalicelib import deps
from chalicelib.cli.output import CliError, out

MODERATION_ACTIONS = {
    "approve": "approved",
    "unapprove": "pending",
    "spam": "spam",
    "trash": "trash",
}


def cmd_comments(args: argparse.Namespace) -> None:
    store = deps.comments()
    if args.action == "list":
        comments, _ = store.by_status(args.target or "pending", limit=args.limit)
        if args.json:
            out(json.dumps([c.admin_dict() for c in comments], indent=2, ensure_ascii=False))
            return
        for c in comments:
            first_line = " ".join(c.body.split())[:70]
            out(f"{c.id}  {c.created_at}  {c.post}  {c.author} <{c.email}>  {first_line}")
        out(f"{len(comments)} {args.target or 'pending'} comment(s).")
    elif args.action in MODERATION_ACTIONS:
        for comment_id in _targets(args):
            if store.set_status(comment_id, MODERATION_ACTIONS[args.action]) is None:
                raise CliError(f"no comment {comment_id}")
            out(f"{comment_id}: {MODERATION_ACTIONS[args.action]}")
    elif args.action == "delete":
        for comment_id in _targets(args):
            if not store.delete(comment_id):
                raise CliError(f"no comment {comment_id}")
            out(f"{comment_id}: deleted")
    elif args.action == "export":
        found = store.by_email(deps.signing().email_hash(_target(args)))
        out(json.dumps([c.admin_dict() for c in found], indent=2, ensure_ascii=False))
    elif args.action == "erase":
        email = _target(args)
        erased = store.erase_email(deps.signing().email_hash(email))
        out(f"erased {erased} comment(s) and the reputation of {email}")


def _targets(args: argparse.Namespace) -> list[str]:
    ids = [args.target, *args.more] if args.target else []
    if not ids:
        raise CliError(f"comments {args.action} needs at least one comment id")
    return ids


def _target(args: argparse.Namespace) -> str:
    if not args.target or "@" not in args.target:
        raise CliError(f"comments {args.action} needs an email address")
    return str(args.target)
