"""A DynamoDB transaction whose parts have names, so a cancellation says which part failed."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.comments import table as t
from chalicelib.comments.model import Comment


@dataclass
class ThreadChange:
    """What a transaction does to one post's approved thread."""

    delta: int = 0  # approved comments counted
    shown: list[tuple[str, Comment | None]] = field(default_factory=list)  # path -> now shown

    @property
    def removals(self) -> int:
        return sum(1 for _, c in self.shown if c is None)


def counter_update(slug: str, delta: int, version: int) -> dict[str, Any]:
    """The post's counter moves by `delta` and to the next version, only from `version`:
    the thread must not have changed since its first page was read."""
    values = {":next": {"N": str(version + 1)}, ":d": {"N": str(delta)}}
    if version:
        values[":v"] = {"N": str(version)}
    return {
        "Key": t.count_key(slug),
        "UpdateExpression": "SET #v = :next ADD approved :d",  # a new counter counts from 0
        "ConditionExpression": "#v = :v" if version else "attribute_not_exists(#v)",
        "ExpressionAttributeNames": {"#v": "version"},
        "ExpressionAttributeValues": values,
    }


class Transaction:
    """TransactItems with a name for each part, so a cancellation says which part failed."""

    def __init__(self, table: str, store_pages: bool = True) -> None:
        """`store_pages=False` leaves the threads' stored first pages behind their versions
        (readers Query them), for a bulk import that stores each once at its end."""
        self.table = table
        self.store_pages = store_pages
        self.items: list[dict[str, Any]] = []
        self.names: list[str] = []
        self.threads: dict[str, ThreadChange] = {}  # posts whose approved thread changes

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

    def thread(self, c: Comment, shown: Comment | None, delta: int = 0) -> None:
        """Comment `c`'s post's approved thread now shows `shown` at its path (None:
        nothing) and counts `delta` more; the author's reputation moves with the count.

        The post's counter, its version and its stored first page are written when the
        transaction is (see `Writer`), from the thread as it stands then."""
        change = self.threads.setdefault(c.post, ThreadChange())
        change.delta += delta
        change.shown.append((c.path, shown))
        if delta and c.email_hash:
            self.add(
                "reputation",
                "Update",
                Key=t.author_key(c.email_hash),
                UpdateExpression="ADD approved :d",
                ExpressionAttributeValues={":d": {"N": str(delta)}},
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
