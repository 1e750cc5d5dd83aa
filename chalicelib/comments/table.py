"""The comment table's schema and key layout, and item <-> Comment: the only place that knows them.

Items (PK, SK):
  POST#<slug>, !PAGE           the first page of the post's approved comments, as shown,
                               written with every change to the thread (first_page.py)
  POST#<slug>, #COUNT          the post's approved-comment counter and its thread's version
  POST#<slug>, C#<path>        an approved comment; <path> is its thread's ids joined by "/",
                               so one Query returns threads depth-first, oldest first
  HELD#<slug>, C#<path>        a comment readers do not see (pending, spam, trash): held
                               apart, so a flood of spam never costs a page a single read
  POST#<slug>, DUP#<digest>    guard: this email already posted this text here
  COMMENT#<id>, COMMENT        pointer from a comment id to its partition and sort key
  AUTHOR#<email hash>, AUTHOR  reputation: how many approved comments this email has
  RATE#<client hash>, RATE     flood guard, expires by TTL (and by its own condition)
  IDEMP#<digest>, IDEMP        idempotency record, expires by TTL (and by its own condition)
  STATS, STATUS                how many comments have each status (the moderation tabs)
  LOGIN#<client hash>, LOGIN   failed sign-ins of a client, expires by TTL (and by its own check)
  UNSUB#<email hash>, UNSUB    this email wants no more reply notices
  SENT#<digest>, SENT          an email already sent for a stream change, expires by TTL
Index "by-status" (GSI1PK = STATUS#<status>, GSI1SK = <created_at>#<id>) is sparse:
only comment items carry it; it is the moderation queue.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from boto3.dynamodb.types import TypeDeserializer, TypeSerializer

from chalicelib.comments.model import Comment, Position

STATUS_INDEX = "by-status"
TTL_ATTRIBUTE = "expires_at"
COUNT_SK = "#COUNT"
FIRST_PAGE_SK = "!PAGE"  # "!" sorts before "#": outside a page's Query from the counter on
_COMMENT_PREFIX = "C#"
COMMENTS_END = "C$"  # "$" sorts right after "#": the end of the C# range

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


# --- values and keys ---------------------------------------------------------


def item(values: Mapping[str, Any]) -> dict[str, Any]:
    """Plain values to DynamoDB's typed attributes; None leaves an attribute out."""
    return {k: _ser.serialize(v) for k, v in values.items() if v is not None}


def plain(typed: Mapping[str, Any]) -> dict[str, Any]:
    return {k: _deser.deserialize(v) for k, v in typed.items()}


def key(pk: str, sk: str) -> dict[str, Any]:
    return {"PK": {"S": pk}, "SK": {"S": sk}}


def key_of(typed_key: Mapping[str, Any]) -> tuple[str, str]:
    """(PK, SK) of a typed key, as `_items_at` indexes what it found."""
    return typed_key["PK"]["S"], typed_key["SK"]["S"]


def post_pk(slug: str) -> str:
    return f"POST#{slug}"


def sort_key(path: str) -> str:
    return _COMMENT_PREFIX + path


def held_pk(slug: str) -> str:
    return f"HELD#{slug}"


def partition(c: Comment) -> str:
    """Approved comments share the post's partition with its counter; the rest are held apart."""
    return post_pk(c.post) if c.status == "approved" else held_pk(c.post)


def comment_key(c: Comment) -> dict[str, Any]:
    return key(partition(c), sort_key(c.path))


def approved_key(slug: str, path: str) -> dict[str, Any]:
    """Where an approved comment at `path` sits: pages of comments start and end there."""
    return key(post_pk(slug), sort_key(path))


def count_key(slug: str) -> dict[str, Any]:
    return key(post_pk(slug), COUNT_SK)


def first_page_key(slug: str) -> dict[str, Any]:
    return key(post_pk(slug), FIRST_PAGE_SK)


def pointer_key(comment_id: str) -> dict[str, Any]:
    return key(f"COMMENT#{comment_id}", "COMMENT")


def author_key(email_hash: str) -> dict[str, Any]:
    return key(f"AUTHOR#{email_hash}", "AUTHOR")


def duplicate_key(slug: str, digest: str) -> dict[str, Any]:
    return key(post_pk(slug), f"DUP#{digest}")


def rate_key(client_hash: str) -> dict[str, Any]:
    return key(f"RATE#{client_hash}", "RATE")


def idempotency_key(digest: str) -> dict[str, Any]:
    return key(f"IDEMP#{digest}", "IDEMP")


def status_counts_key() -> dict[str, Any]:
    return key("STATS", "STATUS")


def login_key(client_hash: str) -> dict[str, Any]:
    return key(f"LOGIN#{client_hash}", "LOGIN")


def unsubscribed_key(email_hash: str) -> dict[str, Any]:
    return key(f"UNSUB#{email_hash}", "UNSUB")


def sent_key(digest: str) -> dict[str, Any]:
    return key(f"SENT#{digest}", "SENT")


def is_comment(typed: Mapping[str, Any]) -> bool:
    return str(typed.get("SK", {}).get("S", "")).startswith(_COMMENT_PREFIX)


def pointer_item(c: Comment) -> dict[str, Any]:
    ref = {"post": c.post, "pk": partition(c), "sk": sort_key(c.path)}
    return {**pointer_key(c.id), **item(ref)}


def pointed_key(pointer: Mapping[str, Any]) -> dict[str, Any]:
    """The comment's key from its pointer item."""
    ref = plain(pointer)
    return key(ref.get("pk") or post_pk(ref["post"]), ref["sk"])


# --- comments ----------------------------------------------------------------


def status_index(status: str) -> str:
    return f"STATUS#{status}"


def _status_sort_key(created_at: str, comment_id: str) -> str:
    return f"{created_at}#{comment_id}"


def position_from_key(last: Mapping[str, Any]) -> Position:
    """Where a Query of the status index stopped (its LastEvaluatedKey), as a Position:
    a filtered Query may stop on an item it did not return."""
    data = plain(last)
    created_at, _, comment_id = data["GSI1SK"].rpartition("#")
    return Position(
        created_at=created_at,
        id=comment_id,
        post=data["post"] if "post" in data else data["PK"].split("#", 1)[1],
        path=data["SK"].removeprefix(_COMMENT_PREFIX),
    )


def status_start_key(status: str, after: Position) -> dict[str, Any]:
    """The index key to continue a moderation list after a comment."""
    pk = post_pk(after.post) if status == "approved" else held_pk(after.post)
    return {
        **key(pk, sort_key(after.path)),
        "GSI1PK": {"S": status_index(status)},
        "GSI1SK": {"S": _status_sort_key(after.created_at, after.id)},
    }


def comment_item(c: Comment) -> dict[str, Any]:
    return {
        **comment_key(c),
        **item(
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
                "removed": c.removed or None,
                "reason": c.reason or None,
                "moderated_by": c.moderated_by or None,
                "moderated_at": c.moderated_at or None,
                "edited_at": c.edited_at or None,
                # A removed comment leaves every moderation list: nothing is left to moderate.
                "GSI1PK": None if c.removed else status_index(c.status),
                "GSI1SK": None if c.removed else _status_sort_key(c.created_at, c.id),
            }
        ),
    }


def comment_from_item(typed: Mapping[str, Any]) -> Comment:
    data = plain(typed)
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
        removed=bool(data.get("removed", False)),
        reason=data.get("reason", ""),
        moderated_by=data.get("moderated_by", ""),
        moderated_at=data.get("moderated_at", ""),
        edited_at=data.get("edited_at", ""),
    )


def stream_pattern() -> dict[str, Any]:
    """Lambda's event filter for the notification function: records of comment items only
    (a change to a counter, a stored first page or a guard never invokes it)."""
    return {"dynamodb": {"Keys": {"SK": {"S": [{"prefix": _COMMENT_PREFIX}]}}}}


def stream_change(record: Mapping[str, Any]) -> tuple[Comment, str | None] | None:
    """A comment insert or update from a raw stream record: the comment now and its status
    before (None when new); None for anything else."""
    images = record.get("dynamodb", {})
    new = images.get("NewImage")
    if record.get("eventName") not in ("INSERT", "MODIFY") or not new or not is_comment(new):
        return None
    old = images.get("OldImage") or {}
    return comment_from_item(new), (_deser.deserialize(old["status"]) if "status" in old else None)
