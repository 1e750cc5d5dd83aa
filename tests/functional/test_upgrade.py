"""A comment table written by an earlier version (held comments beside approved ones in the
post's partition, no per-status counts) is brought to today's layout without losing one."""

from __future__ import annotations

from chalicelib import cli, deps
from chalicelib.comments import table as t
from tests.functional.comment_helpers import SLUG, heading, numbered_comment
from tests.support import aws_calls, soup

TABLE = "lambdapress-test"


def _old_style(n: int, status: str) -> str:
    """A comment as an earlier version stored it: in POST#<slug> whatever its status."""
    comment = numbered_comment(n, status, f"An older comment, {status}.")
    cid = comment.id
    ddb = deps.client("dynamodb")
    item = {**t.comment_item(comment), **t.key(t.post_pk(SLUG), t.sort_key(cid))}
    ddb.put_item(TableName=TABLE, Item=item)
    ddb.put_item(
        TableName=TABLE,
        Item={**t.pointer_key(cid), **t.item({"post": SLUG, "sk": t.sort_key(cid)})},
    )
    return cid


def test_upgrade_moves_held_comments_apart_and_recounts(client, capsys) -> None:
    approved = _old_style(1, "approved")
    held = {status: _old_style(n, status) for n, status in ((2, "pending"), (3, "spam"))}
    deps.client("dynamodb").put_item(
        TableName=TABLE, Item={**t.count_key(SLUG), **t.item({"approved": 1})}
    )
    assert cli.main(["upgrade"]) == 0
    out = capsys.readouterr().out
    assert "moved 2 held comment(s)" in out
    assert "stored the first page of comments of 1 post(s)" in out
    with aws_calls() as calls:
        page = soup(client.http.get(f"/posts/{SLUG}").body)
    assert calls["dynamodb.Query"] == 0  # the first page is read as stored
    assert [li["id"] for li in page.select("li.comment")] == [f"comment-{approved}"]
    assert heading(client.http.get(f"/posts/{SLUG}").body).startswith("One comment")
    store = deps.comments()
    assert store.status_counts() == {"approved": 1, "pending": 1, "spam": 1, "trash": 0}
    # Moderation works on the moved comments, and nothing was lost.
    assert store.set_status(held["pending"], "approved").status == "approved"
    assert store.approved_count(SLUG) == 2
    assert store.get(held["spam"]).status == "spam"
    assert cli.main(["upgrade"]) == 0  # again: nothing moves, no page is stored again
    out = capsys.readouterr().out
    assert "moved 0 held comment(s)" in out
    assert "stored the first page of comments of 0 post(s)" in out
