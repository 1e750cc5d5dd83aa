"""A DynamoDB transaction whose parts have names, so a cancellation says which part failed."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.comments import table as t
from chalicelib.comments.model import Comment


class Transaction:
    """TransactItems with a name for each part, so a cancellation says which part failed."""

    def __init__(self, table: str) -> None:
        self.table = table
        self.items: list[dict[str, Any]] = []
        self.names: list[str] = []
        self.threads: set[str] = set()  # posts whose approved thread this changes

    def add(self, name: str, kind: str, **spec: Any) -> None:
        self.items.append({kind: {"TableName": self.table, **spec}})
        self.names.append(name)

    def put_new(self, name: str, typed: dict[str, Any]) -> None:
        """A Put of an item that must not exist yet."""
        self.add(name, "Put", Item=typed, ConditionExpression="attribute_not_exists(PK)")

    def put_unless_live(self, name: str, typed: dict[str, Any], now: int) -> None:
        """A Put of a guard that must not exist, or must have expired: TTL deletion is late."""
        self.add(
            name,
            "Put",
            Item=typed,
            ConditionExpression="attribute_not_exists(PK) OR #exp <= :now",
            ExpressionAttributeNames={"#exp": t.TTL_ATTRIBUTE},
            ExpressionAttributeValues={":now": {"N": str(now)}},
        )

    def count(self, c: Comment, delta: int) -> None:
        """The post's counter (and its thread's version) and the author's reputation move
        with every approval."""
        self.threads.add(c.post)
        self.add(
            "count",
            "Update",
            Key=t.count_key(c.post),
            UpdateExpression="ADD approved :d, version :one",
            ExpressionAttributeValues={":d": {"N": str(delta)}, ":one": {"N": "1"}},
        )
        if c.email_hash:
            self.add(
                "reputation",
                "Update",
                Key=t.author_key(c.email_hash),
                UpdateExpression="ADD approved :d",
                ExpressionAttributeValues={":d": {"N": str(delta)}},
            )

    def touch(self, slug: str) -> None:
        """The post's approved thread changed without a change of count (an edit)."""
        self.threads.add(slug)
        self.add(
            "version",
            "Update",
            Key=t.count_key(slug),
            UpdateExpression="ADD version :one",
            ExpressionAttributeValues={":one": {"N": "1"}},
        )

    def tally(self, old: str | None, new: str | None) -> None:
        """The per-status counts follow a comment from `old` to `new` (None: not stored).

        One Update of the one STATS item: a transaction may touch an item only once."""
        moves = [(s, d) for s, d in ((old, -1), (new, +1)) if s is not None]
        if not moves:
            return
        parts = ", ".join(f"#s{i} :d{i}" for i in range(len(moves)))
        self.add(
            "tally",
            "Update",
            Key=t.status_counts_key(),
            UpdateExpression=f"ADD {parts}",
            ExpressionAttributeNames={f"#s{i}": s for i, (s, _) in enumerate(moves)},
            ExpressionAttributeValues={f":d{i}": {"N": str(d)} for i, (_, d) in enumerate(moves)},
        )

    def if_status(self, name: str, kind: str, c: Comment, status: str, **spec: Any) -> None:
        """An operation on comment `c` that holds only while its status is `status`."""
        names = {"#s": "status", **spec.pop("ExpressionAttributeNames", {})}
        values = {":old": {"S": status}, **spec.pop("ExpressionAttributeValues", {})}
        condition = spec.pop("ConditionExpression", "#s = :old")  # which must say "#s = :old"
        self.add(
            name,
            kind,
            Key=t.comment_key(replace(c, status=status)),
            ConditionExpression=condition,
            ExpressionAttributeNames=names,
            ExpressionAttributeValues=values,
            **spec,
        )

    def move(self, old_key: dict[str, Any], status: str, moved: Comment) -> None:
        """A comment leaves `old_key` (while its status is `status`) for the partition its
        own status gives it, and its pointer follows: one item in, one out, one pointer."""
        self.add(
            "comment",
            "Delete",
            Key=old_key,
            ConditionExpression="#s = :old",
            ExpressionAttributeNames={"#s": "status"},
            ExpressionAttributeValues={":old": {"S": status}},
        )
        self.put_new("moved", t.comment_item(moved))
        self.add(
            "pointer",
            "Update",
            Key=t.pointer_key(moved.id),
            UpdateExpression="SET pk = :pk",
            ExpressionAttributeValues={":pk": {"S": t.partition(moved)}},
        )

    def failed(self, exc: ClientError) -> set[str]:
        """The names of the parts whose condition failed."""
        return {
            name
            for name, code in zip(self.names, reasons(exc), strict=False)
            if code == "ConditionalCheckFailed"
        }


def reasons(exc: ClientError) -> list[str]:
    """The cancellation reason of each part, in order."""
    return [r.get("Code", "None") for r in exc.response.get("CancellationReasons", [])]


def cancelled(exc: ClientError) -> bool:
    return bool(exc.response["Error"]["Code"] == "TransactionCanceledException")
