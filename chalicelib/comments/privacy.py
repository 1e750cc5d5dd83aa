"""Privacy requests: every comment of an email erased (or, with replies, emptied in place)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from chalicelib.comments import table as t
from chalicelib.comments.model import Comment
from chalicelib.comments.transaction import Transaction
from chalicelib.comments.writer import Writer


class Privacy(Writer):
    """Erasure of an email's comments and reputation."""

    def erase_email(self, email_hash: str, track: Any = None) -> int:
        """Erase every comment and the reputation stored for an email; return how many comments.

        A comment with replies is emptied instead of deleted (see `remove`), so its replies
        stay in their thread under "Comment removed"; any other is deleted."""
        # Deepest first: a reply of the same email is gone before its parent is looked at,
        # so a parent whose only replies were theirs is deleted, not left empty.
        comments = sorted(self.by_email(email_hash), key=lambda c: c.depth, reverse=True)
        for comment in track(comments, "erasing") if track else comments:
            if self.has_replies(comment):
                self.remove(comment)
            else:
                self.delete(comment.id)
        self.client.delete_item(TableName=self.table, Key=t.author_key(email_hash))
        return len(comments)

    def has_replies(self, comment: Comment) -> bool:
        """Whether any comment (of any status: held ones live apart) sits under this one."""
        below = t.sort_key(comment.path + "/")
        for pk in (t.post_pk(comment.post), t.held_pk(comment.post)):
            resp = self.client.query(
                TableName=self.table,
                KeyConditionExpression="PK = :pk AND begins_with(SK, :below)",
                ExpressionAttributeValues={":pk": {"S": pk}, ":below": {"S": below}},
                Limit=1,
            )
            if resp.get("Items"):
                return True
        return False

    def remove(self, comment: Comment) -> None:
        """Replace a comment by a placeholder with no personal data, in place, in one
        transaction: its duplicate guard goes, and an approved one leaves the count."""
        tombstone = replace(
            comment,
            author="",
            email="",
            body="",
            html="",
            url="",
            email_hash="",
            client_hash="",
            notify=False,
            duplicate_digest="",
            removed=True,
        )
        tx = Transaction(self.table)
        tx.add(
            "comment",
            "Put",
            Item=t.comment_item(tombstone),
            ConditionExpression="#s = :old",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":old": {"S": comment.status}},
        )
        if comment.duplicate_digest:
            tx.add(
                "duplicate", "Delete", Key=t.duplicate_key(comment.post, comment.duplicate_digest)
            )
        if comment.status == "approved" and not comment.removed:
            tx.thread(comment, tombstone, -1)
        if not comment.removed:
            tx.tally(comment.status, None)  # it leaves every moderation list
        self._transact(tx)
