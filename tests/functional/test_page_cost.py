"""A page of approved comments costs one Query, whatever else the post holds."""

from __future__ import annotations

from chalicelib import deps
from chalicelib.comments import table as t
from tests.functional.comment_helpers import SLUG, numbered_comment
from tests.support import aws_calls, soup


def _seed(status: str, count: int, start: int) -> None:
    """Comments written in batches, as an import of a busy site would leave them."""
    items = []
    for n in range(start, start + count):
        comment = numbered_comment(n, status)
        items += [t.comment_item(comment), t.pointer_item(comment)]
    ddb = deps.client("dynamodb")
    for i in range(0, len(items), 25):
        batch = [{"PutRequest": {"Item": it}} for it in items[i : i + 25]]
        ddb.batch_write_item(RequestItems={"lambdapress-test": batch})
    if status == "approved":
        ddb.update_item(
            TableName="lambdapress-test",
            Key=t.count_key(SLUG),
            UpdateExpression="ADD approved :n",
            ExpressionAttributeValues={":n": {"N": str(count)}},
        )


def test_a_spam_flood_costs_the_page_nothing(client) -> None:
    _seed("approved", 60, 0)
    _seed("spam", 400, 1000)  # interleaved in time with nothing, sorted after: the worst case
    _seed("pending", 40, 60)  # and these sort among the approved ones
    with aws_calls() as calls:
        page = client.http.get(f"/posts/{SLUG}")
    assert page.status_code == 200
    shown = soup(page.body).select("li.comment")
    assert len(shown) == deps.posts().site().comments.page_size
    assert calls["dynamodb.Query"] == 1
    assert "60 comments" in soup(page.body).find("h2", id="comments-title").get_text()


def test_held_comments_leave_and_join_the_page_with_exact_counts(client) -> None:
    _seed("pending", 3, 0)
    store = deps.comments()
    held = store.by_status("pending")[0]
    store.set_status(held[0].id, "approved")
    store.set_status(held[1].id, "spam")
    assert store.approved_count(SLUG) == 1
    assert [c.id for c in store.approved_page(SLUG, 50).comments] == [held[0].id]
    store.set_status(held[0].id, "trash")
    assert store.approved_page(SLUG, 50).comments == []
    assert store.approved_count(SLUG) == 0
    assert store.get(held[0].id).status == "trash"
    assert store.delete(held[0].id) and store.get(held[0].id) is None


def test_an_approval_reads_its_comment_once_and_its_page_once(client) -> None:
    """A moderation action: the comment (its pointer, then the item), the post's counter
    and first page to store it again, one transaction; nothing read twice."""
    import json

    from tests.functional.comment_helpers import ADMIN

    _seed("pending", 1, 0)
    held = numbered_comment(0, "pending")
    with aws_calls() as calls:
        response = client.http.request(
            "PATCH",
            f"/api/admin/comments/{held.id}",
            headers=ADMIN,
            body=json.dumps({"status": "approved"}),
        )
    assert response.status_code == 200
    dynamodb = {op: n for op, n in calls.items() if op.startswith("dynamodb.")}
    assert dynamodb == {
        "dynamodb.GetItem": 3,
        "dynamodb.Query": 1,
        "dynamodb.TransactWriteItems": 1,
    }, dynamodb
