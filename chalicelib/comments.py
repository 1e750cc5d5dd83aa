"""The comment store: one DynamoDB table, comments partitioned by post.

Items (PK, SK):
  POST#<slug>, #COUNT          the post's approved-comment counter
  POST#<slug>, C#<path>        a comment; <path> is its thread's ids joined by "/",
                               so one Query returns threads depth-first, oldest first
  POST#<slug>, DUP#<digest>    guard: this email already posted this text here
  COMMENT#<id>, COMMENT        pointer from a comment id to its post and sort key
  AUTHOR#<email hash>, AUTHOR  reputation: how many approved comments this email has
  RATE#<client hash>, RATE     flood guard, expires by TTL (and by its own condition)
  IDEMP#<digest>, IDEMP        idempotency record, expires by TTL (and by its own condition)
Index "by-status" (GSI1PK = STATUS#<status>, GSI1SK = <created_at>#<id>) is sparse:
only comment items carry it; it is the moderation queue.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass, field, replace
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer
from botocore.exceptions import ClientError

_CONFLICT_RETRIES = 5
STATUSES = ("approved", "pending", "spam", "trash")
STATUS_INDEX = "by-status"
TTL_ATTRIBUTE = "expires_at"
_COUNT_SK = "#COUNT"
_COMMENT_PREFIX = "C#"
_COMMENTS_END = "C$"  # "$" sorts right after "#": the end of the C# range

_ser = TypeSerializer()
_deser = TypeDeserializer()


def table_definition(name: str) -> dict[str, Any]:
    """The table, defined once: tests, `make run` and deployment all build it from here."""
    return {
        "TableName": name,
        "BillingMode": "PAY_PER_REQUEST",
        "AttributeDefinitions": [
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
            {"AttributeName": "GSI1PK", "AttributeType": "S"},
            {"AttributeName": "GSI1SK", "AttributeType": "S"},
        ],
        "KeySchema": [
            {"AttributeName": "PK", "KeyType": "HASH"},
            {"AttributeName": "SK", "KeyType": "RANGE"},
        ],
        "GlobalSecondaryIndexes": [
            {
                "IndexName": STATUS_INDEX,
                "KeySchema": [
                    {"AttributeName": "GSI1PK", "KeyType": "HASH"},
                    {"AttributeName": "GSI1SK", "KeyType": "RANGE"},
                ],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        "StreamSpecification": {"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    }


class StoreError(Exception):
    """Base of the store's domain errors."""


class DuplicateComment(StoreError):
    pass


class TooFast(StoreError):
    def __init__(self, retry_after: int) -> None:
        super().__init__(f"retry after {retry_after} s")
        self.retry_after = retry_after


class ParentUnavailable(StoreError):
    pass


class IdempotencyMismatch(StoreError):
    pass


class ConcurrentChange(StoreError):
    pass


@dataclass(frozen=True)
class Comment:
    id: str
    post: str
    path: str
    author: str
    email: str
    body: str
    html: str
    status: str
    created_at: str
    url: str = ""
    parent_id: str | None = None
    email_hash: str = ""
    client_hash: str = ""
    notify: bool = False
    duplicate_digest: str = ""  # names its DUP# guard, deleted with it

    @property
    def depth(self) -> int:
        return self.path.count("/")

    @property
    def sort_key(self) -> str:
        return _COMMENT_PREFIX + self.path

    def public_dict(self) -> dict[str, Any]:
        """What anyone may see: never the email, never the client hash."""
        return {
            "id": self.id,
            "parent_id": self.parent_id,
            "author": self.author,
            "url": self.url or None,
            "html": self.html,
            "created_at": self.created_at,
        }

    def admin_dict(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "post": self.post,
            "parent_id": self.parent_id,
            "author": self.author,
            "email": self.email,
            "url": self.url or None,
            "body": self.body,
            "html": self.html,
            "status": self.status,
            "created_at": self.created_at,
        }


@dataclass(frozen=True)
class Guards:
    """Conditions a new comment's write must meet, all in one transaction."""

    duplicate_digest: str
    client_hash: str
    flood_seconds: int
    idempotency_digest: str | None = None
    request_fingerprint: str = ""
    idempotency_ttl: int = 86400


@dataclass
class CommentPage:
    count: int
    comments: list[Comment]
    next_key: str | None = None  # sort key to continue after
    prev_key: str | None = None  # sort key to go back before
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class Thread:
    comment: Comment
    replies: list[Thread] = field(default_factory=list)


def build_threads(comments: list[Comment]) -> list[Thread]:
    """Nest a page of comments (in thread order) by their paths.

    A reply whose parent is on an earlier page starts the page's first thread.
    """
    roots: list[Thread] = []
    by_path: dict[str, Thread] = {}
    for comment in comments:
        node = Thread(comment)
        parent = by_path.get(comment.path.rsplit("/", 1)[0]) if comment.depth else None
        (parent.replies if parent else roots).append(node)
        by_path[comment.path] = node
    return roots


def _item(values: dict[str, Any]) -> dict[str, Any]:
    return {k: _ser.serialize(v) for k, v in values.items() if v is not None}


def _plain(item: dict[str, Any]) -> dict[str, Any]:
    return {k: _deser.deserialize(v) for k, v in item.items()}


def _key(pk: str, sk: str) -> dict[str, Any]:
    return {"PK": {"S": pk}, "SK": {"S": sk}}


def _post_pk(slug: str) -> str:
    return f"POST#{slug}"


def _pointer_key(comment_id: str) -> dict[str, Any]:
    return _key(f"COMMENT#{comment_id}", "COMMENT")


def _author_key(email_hash: str) -> dict[str, Any]:
    return _key(f"AUTHOR#{email_hash}", "AUTHOR")


def _dup_key(comment: Comment) -> dict[str, Any]:
    return _key(_post_pk(comment.post), f"DUP#{comment.duplicate_digest}")


def _comment_from_item(item: dict[str, Any]) -> Comment:
    data = _plain(item)
    return Comment(
        id=data["id"],
        post=data["post"],
        path=data["SK"].removeprefix(_COMMENT_PREFIX),
        author=data["author"],
        email=data.get("email", ""),
        body=data["body"],
        html=data["html"],
        status=data["status"],
        created_at=data["created_at"],
        url=data.get("url", ""),
        parent_id=data.get("parent_id"),
        email_hash=data.get("email_hash", ""),
        client_hash=data.get("client_hash", ""),
        notify=bool(data.get("notify", False)),
        duplicate_digest=data.get("dup", ""),
    )


def _reasons(exc: ClientError) -> list[str]:
    return [r.get("Code", "None") for r in exc.response.get("CancellationReasons", [])]


class CommentStore:
    """Comments, counters, guards and reputation in one DynamoDB table."""

    def __init__(self, client: Any, table: str) -> None:
        self.client = client
        self.table = table

    # --- writes -------------------------------------------------------------

    def add(
        self, comment: Comment, guards: Guards, now: float, parent: Comment | None = None
    ) -> Comment:
        """Store a new comment, its guards and its count in one transaction.

        Returns the stored comment: the new one, or on an idempotent retry the
        one stored by the first attempt. Expired guards are overwritten by their
        own conditions: TTL deletion is late (and moto never deletes).
        """
        seconds = int(now)
        comment = replace(comment, duplicate_digest=guards.duplicate_digest)
        # Positions matter: a cancelled transaction's reasons come in this order.
        dup_index, rate_index = 2, 3
        items = [
            *self._new_comment_puts(comment),
            self._put(
                {
                    **_dup_key(comment),
                    **_item({"comment_id": comment.id}),
                }
            ),
            self._put_unless_live(
                _key(f"RATE#{guards.client_hash}", "RATE"),
                {TTL_ATTRIBUTE: seconds + guards.flood_seconds},
                seconds,
            ),
        ]
        idem_index = None
        if guards.idempotency_digest:
            idem_index = len(items)
            items.append(
                self._put_unless_live(
                    _key(f"IDEMP#{guards.idempotency_digest}", "IDEMP"),
                    {
                        "comment_id": comment.id,
                        "fingerprint": guards.request_fingerprint,
                        TTL_ATTRIBUTE: seconds + guards.idempotency_ttl,
                    },
                    seconds,
                )
            )
        parent_index = None
        if parent is not None:
            parent_index = len(items)
            items.append(
                {
                    "ConditionCheck": {
                        "TableName": self.table,
                        "Key": _key(_post_pk(parent.post), parent.sort_key),
                        "ConditionExpression": "#s = :approved",
                        "ExpressionAttributeNames": {"#s": "status"},
                        "ExpressionAttributeValues": {":approved": {"S": "approved"}},
                    }
                }
            )
        if comment.status == "approved":
            items.extend(self._count_updates(comment, +1))
        try:
            self._write(items)
        except ClientError as exc:
            if exc.response["Error"]["Code"] != "TransactionCanceledException":
                raise
            reasons = _reasons(exc)
            failed = {i for i, code in enumerate(reasons) if code == "ConditionalCheckFailed"}
            if idem_index is not None and idem_index in failed:
                return self._replay(guards)
            if dup_index in failed:
                raise DuplicateComment() from exc
            if rate_index in failed:
                raise TooFast(self._retry_after(guards.client_hash, seconds)) from exc
            if parent_index is not None and parent_index in failed:
                raise ParentUnavailable() from exc
            raise
        return comment

    def import_comment(self, comment: Comment) -> bool:
        """Store an approved comment brought from elsewhere; False if it is already here."""
        items = self._new_comment_puts(comment)
        if comment.status == "approved":
            items.extend(self._count_updates(comment, +1))
        try:
            self._write(items)
        except ClientError as exc:
            if "ConditionalCheckFailed" in _reasons(exc):
                return False
            raise
        return True

    def _put(
        self, item: dict[str, Any], condition: str = "attribute_not_exists(PK)", **expression: Any
    ) -> dict[str, Any]:
        """A transaction's Put of an item that must not exist yet (or meet `condition`)."""
        return {
            "Put": {
                "TableName": self.table,
                "Item": item,
                "ConditionExpression": condition,
                **expression,
            }
        }

    def _put_unless_live(
        self, key: dict[str, Any], values: dict[str, Any], now: int
    ) -> dict[str, Any]:
        """A Put of a guard that must not exist, or must have expired: TTL deletion is late."""
        return self._put(
            {**key, **_item(values)},
            "attribute_not_exists(PK) OR #exp <= :now",
            ExpressionAttributeNames={"#exp": TTL_ATTRIBUTE},
            ExpressionAttributeValues={":now": {"N": str(now)}},
        )

    def _new_comment_puts(self, comment: Comment) -> list[dict[str, Any]]:
        """The comment and the pointer from its id, each written only if new."""
        pointer = {
            **_pointer_key(comment.id),
            **_item({"post": comment.post, "sk": comment.sort_key}),
        }
        return [self._put(self._comment_item(comment)), self._put(pointer)]

    def _replay(self, guards: Guards) -> Comment:
        resp = self.client.get_item(
            TableName=self.table,
            Key=_key(f"IDEMP#{guards.idempotency_digest}", "IDEMP"),
            ConsistentRead=True,
        )
        record = _plain(resp["Item"])
        if record.get("fingerprint") != guards.request_fingerprint:
            raise IdempotencyMismatch()
        stored = self.get(record["comment_id"])
        if stored is None:  # deleted since: the key is spent
            raise IdempotencyMismatch()
        return stored

    def _retry_after(self, client_hash: str, now: int) -> int:
        resp = self.client.get_item(
            TableName=self.table, Key=_key(f"RATE#{client_hash}", "RATE"), ConsistentRead=True
        )
        expires = int(resp.get("Item", {}).get(TTL_ATTRIBUTE, {}).get("N", now + 1))
        return max(1, expires - now)

    def _comment_item(self, c: Comment) -> dict[str, Any]:
        return {
            **_key(_post_pk(c.post), c.sort_key),
            **_item(
                {
                    "id": c.id,
                    "post": c.post,
                    "parent_id": c.parent_id,
                    "author": c.author,
                    "email": c.email,
                    "email_hash": c.email_hash,
                    "client_hash": c.client_hash,
                    "url": c.url or None,
                    "body": c.body,
                    "html": c.html,
                    "status": c.status,
                    "created_at": c.created_at,
                    "notify": c.notify or None,
                    "dup": c.duplicate_digest or None,
                    "GSI1PK": f"STATUS#{c.status}",
                    "GSI1SK": f"{c.created_at}#{c.id}",
                }
            ),
        }

    def _count_updates(self, c: Comment, delta: int) -> list[dict[str, Any]]:
        """The post's counter and the author's reputation move with every approval."""
        keys = [_key(_post_pk(c.post), _COUNT_SK)]
        if c.email_hash:
            keys.append(_author_key(c.email_hash))
        return [
            {
                "Update": {
                    "TableName": self.table,
                    "Key": key,
                    "UpdateExpression": "ADD approved :d",
                    "ExpressionAttributeValues": {":d": {"N": str(delta)}},
                }
            }
            for key in keys
        ]

    def set_status(self, comment_id: str, status: str) -> Comment | None:
        """Move a comment to `status`, keeping the count exact; None if it does not exist."""
        if status not in STATUSES:
            raise ValueError(f"unknown status {status!r}")
        current = self.get(comment_id)
        if current is None or current.status == status:
            return current
        updated = replace(current, status=status)
        items: list[dict[str, Any]] = [
            {
                "Update": {
                    "TableName": self.table,
                    "Key": _key(_post_pk(current.post), current.sort_key),
                    "UpdateExpression": "SET #s = :new, GSI1PK = :g",
                    "ConditionExpression": "#s = :old",
                    "ExpressionAttributeNames": {"#s": "status"},
                    "ExpressionAttributeValues": {
                        ":new": {"S": status},
                        ":old": {"S": current.status},
                        ":g": {"S": f"STATUS#{status}"},
                    },
                }
            }
        ]
        if current.status == "approved":
            items.extend(self._count_updates(current, -1))
        if status == "approved":
            items.extend(self._count_updates(current, +1))
        self._transact(items)
        return updated

    def delete(self, comment_id: str) -> bool:
        """Delete a comment with its pointer and duplicate guard; False if it does not exist."""
        current = self.get(comment_id)
        if current is None:
            return False
        items: list[dict[str, Any]] = [
            {
                "Delete": {
                    "TableName": self.table,
                    "Key": _key(_post_pk(current.post), current.sort_key),
                    "ConditionExpression": "#s = :old",
                    "ExpressionAttributeNames": {"#s": "status"},
                    "ExpressionAttributeValues": {":old": {"S": current.status}},
                }
            },
            {"Delete": {"TableName": self.table, "Key": _pointer_key(current.id)}},
        ]
        if current.duplicate_digest:
            items.append({"Delete": {"TableName": self.table, "Key": _dup_key(current)}})
        if current.status == "approved":
            items.extend(self._count_updates(current, -1))
        self._transact(items)
        return True

    def _write(self, items: list[dict[str, Any]]) -> None:
        """One transaction, retried while DynamoDB cancels it only for a conflict.

        Concurrent comments on one post all update its counter item, and DynamoDB
        cancels a transaction that collides with another (TransactionConflict);
        botocore does not retry that. The conditions make a retry safe: it can
        never store or count anything twice.
        """
        for attempt in range(_CONFLICT_RETRIES + 1):
            try:
                self.client.transact_write_items(TransactItems=items)
                return
            except ClientError as exc:
                reasons = _reasons(exc)
                conflict_only = "TransactionConflict" in reasons and not (
                    set(reasons) - {"TransactionConflict", "None"}
                )
                if not conflict_only or attempt == _CONFLICT_RETRIES:
                    raise
                time.sleep(random.uniform(0, 0.02 * 2**attempt))  # noqa: S311 - jitter

    def _transact(self, items: list[dict[str, Any]]) -> None:
        try:
            self._write(items)
        except ClientError as exc:
            if exc.response["Error"]["Code"] == "TransactionCanceledException":
                raise ConcurrentChange() from exc
            raise

    # --- reads --------------------------------------------------------------

    def _item_at(self, key: dict[str, Any]) -> dict[str, Any] | None:
        item: dict[str, Any] | None = self.client.get_item(
            TableName=self.table, Key=key, ConsistentRead=True
        ).get("Item")
        return item

    def get(self, comment_id: str) -> Comment | None:
        pointer = self._item_at(_pointer_key(comment_id))
        if pointer is None:
            return None
        ref = _plain(pointer)
        item = self._item_at(_key(_post_pk(ref["post"]), ref["sk"]))
        return _comment_from_item(item) if item else None

    def approved_count(self, slug: str) -> int:
        item = self._item_at(_key(_post_pk(slug), _COUNT_SK))
        return int(item["approved"]["N"]) if item else 0

    def author_is_trusted(self, email_hash: str) -> bool:
        item = self._item_at(_author_key(email_hash))
        return item is not None and int(item["approved"]["N"]) > 0

    def approved_page(
        self,
        slug: str,
        page_size: int,
        after: str | None = None,
        before: str | None = None,
        at: str | None = None,
    ) -> CommentPage:
        """A page of approved comments in thread order, with the post's count.

        `after`/`before` continue past a sort key; `at` starts with one. The first page
        is one Query: the counter item sorts just before the comments.
        """
        pk = _post_pk(slug)
        forward = before is None
        start = after if forward else before
        low = _COUNT_SK if start is None and at is None else (at or _COMMENT_PREFIX)
        query: dict[str, Any] = {
            "TableName": self.table,
            "KeyConditionExpression": "PK = :pk AND SK BETWEEN :lo AND :hi",
            "FilterExpression": "attribute_not_exists(#s) OR #s = :approved",
            "ExpressionAttributeNames": {"#s": "status"},
            "ExpressionAttributeValues": {
                ":pk": {"S": pk},
                ":lo": {"S": low},
                ":hi": {"S": _COMMENTS_END},
                ":approved": {"S": "approved"},
            },
            "ScanIndexForward": forward,
            "ConsistentRead": True,
            "Limit": page_size + 2,
        }
        if start is not None:
            query["ExclusiveStartKey"] = _key(pk, start)
        count: int | None = None
        found: list[Comment] = []
        exhausted = False
        while len(found) <= page_size:
            resp = self.client.query(**query)
            for item in resp.get("Items", []):
                if item["SK"]["S"] == _COUNT_SK:
                    count = int(item["approved"]["N"])
                else:
                    found.append(_comment_from_item(item))
            if "LastEvaluatedKey" not in resp:
                exhausted = True
                break
            query["ExclusiveStartKey"] = resp["LastEvaluatedKey"]
        more = len(found) > page_size or not exhausted
        page = found[:page_size]
        if count is None:
            # The counter sorts first: a first page without it means no comment was ever approved.
            count = 0 if low == _COUNT_SK else self.approved_count(slug)
        if forward:
            return CommentPage(
                count=count,
                comments=page,
                next_key=page[-1].sort_key if more and page else None,
                prev_key=page[0].sort_key if (after or at) and page else None,
            )
        page.reverse()
        return CommentPage(
            count=count,
            comments=page,
            next_key=page[-1].sort_key if page else None,
            prev_key=page[0].sort_key if more and page else None,
        )

    def by_status(
        self, status: str, limit: int = 50, after: dict[str, Any] | None = None
    ) -> tuple[list[Comment], dict[str, Any] | None]:
        """The moderation queue (or any status), newest first, from the sparse index."""
        query: dict[str, Any] = {
            "TableName": self.table,
            "IndexName": STATUS_INDEX,
            "KeyConditionExpression": "GSI1PK = :g",
            "ExpressionAttributeValues": {":g": {"S": f"STATUS#{status}"}},
            "ScanIndexForward": False,
            "Limit": limit,
        }
        if after:
            query["ExclusiveStartKey"] = after
        resp = self.client.query(**query)
        return [_comment_from_item(i) for i in resp.get("Items", [])], resp.get("LastEvaluatedKey")

    # --- privacy (CLI only: these scan) ------------------------------------

    def by_email(self, email_hash: str) -> list[Comment]:
        """Every comment stored for an email, by its keyed hash, so any spelling of its case
        finds them. Scans: for privacy requests, never on requests."""
        found: list[Comment] = []
        paginator = self.client.get_paginator("scan")
        for page in paginator.paginate(
            TableName=self.table,
            FilterExpression="begins_with(SK, :c) AND email_hash = :h",
            ExpressionAttributeValues={":c": {"S": _COMMENT_PREFIX}, ":h": {"S": email_hash}},
        ):
            found.extend(_comment_from_item(i) for i in page.get("Items", []))
        return sorted(found, key=lambda c: c.created_at)

    def erase_email(self, email_hash: str) -> int:
        """Delete every comment and the reputation stored for an email; return how many comments."""
        comments = self.by_email(email_hash)
        for comment in comments:
            self.delete(comment.id)
        self.client.delete_item(TableName=self.table, Key=_author_key(email_hash))
        return len(comments)
