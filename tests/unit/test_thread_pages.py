"""The writer's first page under DynamoDB's own rules, which moto does not follow in full: a
Query that reaches its Limit hands back a LastEvaluatedKey even when nothing follows, and a
cancelled transaction gives a reason for each part."""

from __future__ import annotations

from typing import Any

import pytest
from botocore.exceptions import ClientError

from chalicelib.comments import first_page
from chalicelib.comments import table as t
from chalicelib.comments.model import Comment
from chalicelib.comments.page_cache import PageCache
from chalicelib.comments.transaction import Transaction
from chalicelib.comments.writer import Writer
from tests.functional.comment_helpers import SLUG, numbered_comment


def _comment(n: int) -> Comment:
    return numbered_comment(n, "approved")


class _Table:
    """One post's partition as DynamoDB answers: a Query stops at its Limit and then
    always says where it stopped."""

    def __init__(self, comments: list[Comment], version: int = 4) -> None:
        self.items = sorted((t.comment_item(c) for c in comments), key=lambda i: i["SK"]["S"])
        self.counter = {
            **t.count_key(SLUG),
            **t.item({"approved": len(comments), "version": version}),
        }
        self.transactions: list[list[dict[str, Any]]] = []
        self.refuse: list[str] | None = None

    def get_item(self, Key: dict[str, Any], **_: Any) -> dict[str, Any]:
        return {"Item": self.counter} if Key == t.count_key(SLUG) else {}

    def query(self, Limit: int, **kwargs: Any) -> dict[str, Any]:
        after = kwargs.get("ExclusiveStartKey", {}).get("SK", {}).get("S", "")
        rest = [i for i in self.items if i["SK"]["S"] > after]
        page = rest[:Limit]
        answer: dict[str, Any] = {"Items": page}
        if len(page) == Limit:
            answer["LastEvaluatedKey"] = {"PK": page[-1]["PK"], "SK": page[-1]["SK"]}
        return answer

    def transact_write_items(self, TransactItems: list[dict[str, Any]]) -> None:
        self.transactions.append(TransactItems)
        if self.refuse is not None:
            reasons = [{"Code": code} for code in self.refuse]
            error = {"Code": "TransactionCanceledException", "Message": "cancelled"}
            raise ClientError(
                {"Error": error, "CancellationReasons": reasons}, "TransactWriteItems"
            )


def _writer(table: _Table, size: int = 3) -> Writer:
    writer = Writer()
    writer.client, writer.table, writer.pages = table, "t", PageCache()
    writer.page_size = lambda: size
    return writer


def _stored(table: _Table) -> tuple[Any, int]:
    (put,) = [p["Put"]["Item"] for p in table.transactions[-1] if "Put" in p]
    ready = first_page.read(put, SLUG, 3)
    assert ready is not None
    return ready


@pytest.mark.parametrize("total, follows", [(4, False), (5, True)])
def test_a_page_that_loses_a_comment_links_on_only_when_more_follow(
    total: int, follows: bool
) -> None:
    """Pages of three: the second comment leaves, the fourth moves up. With four comments
    nothing follows it: reading only a page and one more would have met the Limit exactly
    and taken DynamoDB's LastEvaluatedKey for more. With five, the fifth follows."""
    made = [_comment(n) for n in range(1, total + 1)]
    table = _Table(made)
    tx = Transaction("t")
    tx.thread(made[1], None, -1)
    _writer(table)._write(tx)
    page, version = _stored(table)
    assert [c.id for c in page.comments] == [made[0].id, made[2].id, made[3].id]
    assert page.next_after == (made[3].path if follows else None)
    assert (page.count, version) == (total - 1, 5)


@pytest.mark.parametrize(
    "reasons, attempts",
    [
        # the comment's own condition failed, and the thread had moved too: a refusal
        (["ConditionalCheckFailed", "None", "ConditionalCheckFailed", "None"], 1),
        # only the thread had moved: read it again and write again
        (["None", "None", "ConditionalCheckFailed", "None"], 6),
    ],
)
def test_a_refusal_is_never_retried_as_a_moved_thread(reasons: list[str], attempts: int) -> None:
    made = [_comment(1)]
    table = _Table(made)
    table.refuse = reasons
    tx = Transaction("t")
    tx.add("comment", "Update", Key=t.comment_key(made[0]), UpdateExpression="SET x = :x")
    tx.add("pointer", "Update", Key=t.pointer_key(made[0].id), UpdateExpression="SET x = :x")
    tx.thread(made[0], made[0])
    with pytest.raises(Exception) as raised:
        _writer(table)._write(tx)
    assert len(table.transactions) == attempts
    if attempts == 1:
        assert isinstance(raised.value, ClientError)
        assert tx.failed(raised.value) == {"comment"}
    else:
        assert "conflicts went on" in str(raised.value)
