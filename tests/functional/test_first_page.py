"""Each post's first page of comments is written with every change to its thread, and is
always exactly what a Query of the thread would show."""

from __future__ import annotations

import random
import zlib
from dataclasses import replace
from typing import Any

import pytest

from chalicelib import deps, settings
from chalicelib.comments import first_page
from chalicelib.comments import table as t
from chalicelib.comments.model import Comment, CommentPage, Edit
from chalicelib.comments.pages import PageQuery, counter_values, read_page
from chalicelib.comments.store import CommentStore
from tests.functional.test_comment_store_contract import comment
from tests.support import aws_calls

SLUG = "a-post"
SIZE = 3


def _store(client: Any = None, size: int | None = SIZE, ttl: float = 0.0) -> CommentStore:
    ddb = client or deps.client("dynamodb")
    return CommentStore(ddb, settings.current().table, cache_ttl=ttl, page_size=lambda: size)


def _shown(page: CommentPage) -> tuple[Any, ...]:
    rows = [
        (c.id, c.path, c.parent_id, c.author, c.url, c.html, c.created_at, c.edited_at, c.removed)
        for c in page.comments
    ]
    return page.count, rows, page.next_after, page.prev_before


def _stored(size: int = SIZE) -> tuple[CommentPage, int] | None:
    typed = deps.client("dynamodb").get_item(
        TableName=settings.current().table, Key=t.first_page_key(SLUG), ConsistentRead=True
    )
    return first_page.read(typed.get("Item"), SLUG, size)


def _queried(size: int = SIZE) -> tuple[CommentPage, int]:
    client, table = deps.client("dynamodb"), settings.current().table
    counter = counter_values(client.get_item(TableName=table, Key=t.count_key(SLUG))["Item"])
    return read_page(client, table, PageQuery(SLUG, size), counter)


def _assert_current() -> None:
    stored = _stored()
    assert stored is not None
    page, version = stored
    truth, current = _queried()
    assert (_shown(page), version) == (_shown(truth), current)


def test_every_kind_of_change_keeps_the_stored_page_exact(aws) -> None:
    """A random run of submissions, replies, approvals, unapprovals, edits, deletions and
    erasures, on a page of three: after each, the stored page is what a Query shows."""
    store, rng = _store(), random.Random(12)  # noqa: S311 - a repeatable run, not secrets
    made: list[Comment] = []
    for n in range(1, 70):
        approved = [c for c in made if (store.get(c.id) or c).status == "approved"]
        action = rng.choice(["new", "new", "reply", "approve", "unapprove", "edit", "delete"])
        if n % 17 == 0:
            store.erase_email(f"hash-{rng.randrange(3)}")
        elif action in ("new", "reply") or not made:
            parent = rng.choice(approved) if action == "reply" and approved else None
            status = rng.choice(["approved", "approved", "pending"])
            new = comment(n, status, parent, post=SLUG, email_hash=f"hash-{n % 3}")
            assert store.import_comment(new)
            made.append(new)
        elif action == "approve":
            store.set_status(rng.choice(made).id, "approved")
        elif action == "unapprove":
            store.set_status(rng.choice(made).id, rng.choice(["pending", "spam"]))
        elif action == "edit":
            chosen = rng.choice(made)
            store.edit(chosen.id, Edit(f"Renamed {n}", "https://example.org/", f"Now {n}."), "t")
        else:
            store.delete(rng.choice(made).id)
        _assert_current()
    page, _ = _queried()
    assert page.count > SIZE and page.next_after  # the run left more than a page


def test_a_removed_comment_with_replies_stays_on_the_page_as_a_placeholder(aws) -> None:
    store = _store()
    parent = comment(1, post=SLUG, email_hash="hash-gone")
    reply = comment(2, parent=parent, post=SLUG)
    for c in (parent, reply):
        store.import_comment(c)
    store.erase_email("hash-gone")
    stored = _stored()
    assert stored is not None
    shown = stored[0].comments
    assert [(c.id, c.removed, c.author) for c in shown] == [
        (parent.id, True, ""),
        (reply.id, False, reply.author),
    ]
    assert stored[0].count == 1
    _assert_current()


def test_another_container_reads_one_item_and_no_query(aws) -> None:
    store = _store(ttl=60)
    for n in range(1, 6):
        store.import_comment(comment(n, post=SLUG))
    fresh = _store()
    with aws_calls() as calls:
        page = fresh.approved_page(SLUG, SIZE)
    assert calls == {"dynamodb.BatchGetItem": 1}, calls  # the page with its counter
    assert _shown(page) == _shown(_queried()[0])
    # The container that wrote it keeps it: within the TTL its next view reads nothing.
    with aws_calls() as calls:
        assert _shown(store.approved_page(SLUG, SIZE)) == _shown(page)
    assert calls == {}


class _Meddling:
    """A DynamoDB client before whose first transaction another writer changes the thread."""

    def __init__(self, client: Any, meddle: Any) -> None:
        self._client = client
        self._meddle = meddle
        self.transactions = 0

    def __getattr__(self, name: str) -> Any:
        return getattr(self._client, name)

    def transact_write_items(self, **kwargs: Any) -> Any:
        self.transactions += 1
        meddle, self._meddle = self._meddle, None
        if meddle:
            meddle()
        return self._client.transact_write_items(**kwargs)


def test_a_thread_changed_after_its_page_was_read_is_read_again(aws) -> None:
    first, second = comment(1, "pending", post=SLUG), comment(2, "pending", post=SLUG)
    other = _store()
    for c in (first, second):
        other.import_comment(c)
    meddling = _Meddling(deps.client("dynamodb"), lambda: other.set_status(second.id, "approved"))
    store = _store(meddling)
    store.set_status(first.id, "approved")
    assert meddling.transactions == 2  # refused once: the counter's version had moved
    stored = _stored()
    assert stored is not None
    assert [c.id for c in stored[0].comments] == [first.id, second.id]
    assert stored[0].count == 2 == store.approved_count(SLUG)
    _assert_current()


def test_a_page_too_large_for_one_item_is_queried(aws, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(first_page, "MAX_STORED", 100)
    store = _store()
    for n in range(1, 5):
        store.import_comment(comment(n, post=SLUG, body="Long enough to spill. " * 20))
    assert _stored() is None  # the item keeps the version, with no page
    with aws_calls() as calls:
        page = _store().approved_page(SLUG, SIZE)
    assert calls == {"dynamodb.BatchGetItem": 1, "dynamodb.Query": 1}, calls
    assert _shown(page) == _shown(_queried()[0])


@pytest.mark.parametrize("written, read", [(None, SIZE), (5, SIZE)])
def test_a_page_of_another_or_no_known_size_is_queried(aws, written, read) -> None:
    store = _store(size=written)
    for n in range(1, 8):
        store.import_comment(comment(n, post=SLUG))
    with aws_calls() as calls:
        page = _store(size=read).approved_page(SLUG, read)
    assert calls["dynamodb.Query"] == 1
    assert _shown(page) == _shown(_queried(read)[0])


def test_with_nothing_published_a_change_still_moves_the_version(aws) -> None:
    """The site's page size comes from site.yaml: before the first publish it is unknown,
    and the change moves the thread's version without storing a page, rather than failing."""
    store = deps.comments()
    store.import_comment(comment(1, post=SLUG))
    ddb, table = deps.client("dynamodb"), settings.current().table
    assert "Item" not in ddb.get_item(TableName=table, Key=t.first_page_key(SLUG))
    assert ddb.get_item(TableName=table, Key=t.count_key(SLUG))["Item"]["version"] == {"N": "1"}
    assert [c.id for c in store.approved_page(SLUG, 50).comments] == [comment(1).id]


def test_the_stored_page_holds_no_personal_data(aws) -> None:
    store = _store()
    c = comment(1, post=SLUG, email="hidden@example.org", email_hash="secret-hash")
    store.import_comment(replace(c, client_hash="client-secret"))
    typed = deps.client("dynamodb").get_item(
        TableName=settings.current().table, Key=t.first_page_key(SLUG)
    )["Item"]
    text = zlib.decompress(typed["page"]["B"]).decode()
    assert c.author in text
    for private in ("hidden@example.org", "secret-hash", "client-secret"):
        assert private not in text


def test_a_page_emptied_of_one_comment_refills_and_says_when_none_follow(aws) -> None:
    """Page size 3, four comments: the second leaves and the fourth moves up, with no link
    to a page after it; then one more arrives and the link is back. (DynamoDB, unlike moto,
    hands back a LastEvaluatedKey whenever a Query reaches its Limit: the page is read one
    comment past what it needs, so that case cannot show a link to an empty page.)"""
    store = _store()
    made = [comment(n, post=SLUG) for n in range(1, 5)]
    for c in made:
        store.import_comment(c)
    store.set_status(made[1].id, "pending")
    stored = _stored()
    assert stored is not None
    assert [c.id for c in stored[0].comments] == [made[0].id, made[2].id, made[3].id]
    assert stored[0].next_after is None
    store.set_status(made[1].id, "approved")
    stored = _stored()
    assert stored is not None and stored[0].next_after == made[2].path
    _assert_current()


def test_a_version_moved_without_the_page_is_not_trusted(aws) -> None:
    """An earlier lambdapress still running during an upgrade moves the counter's version
    without storing the page: readers see the mismatch and Query."""
    store = _store()
    first, second = comment(1, post=SLUG), comment(2, post=SLUG)
    store.import_comment(first)
    old_writer = deps.client("dynamodb")
    old_writer.put_item(TableName=settings.current().table, Item=t.comment_item(second))
    old_writer.update_item(
        TableName=settings.current().table,
        Key=t.count_key(SLUG),
        UpdateExpression="ADD approved :one, version :one",
        ExpressionAttributeValues={":one": {"N": "1"}},
    )
    with aws_calls() as calls:
        page = _store().approved_page(SLUG, SIZE)
    assert calls == {"dynamodb.BatchGetItem": 1, "dynamodb.Query": 1}, calls
    assert [c.id for c in page.comments] == [first.id, second.id] and page.count == 2


@pytest.mark.parametrize(
    "spoil",
    [
        {"layout": {"N": str(first_page.LAYOUT + 1)}},  # written by a later version
        {"page": {"B": b"not zlib at all"}},
        {"page": {"B": zlib.compress(b'[[["too", "few"]], null]')}},
    ],
)
def test_a_stored_page_that_cannot_be_read_is_queried(aws, spoil) -> None:
    store = _store()
    for n in range(1, 4):
        store.import_comment(comment(n, post=SLUG))
    table = settings.current().table
    typed = deps.client("dynamodb").get_item(TableName=table, Key=t.first_page_key(SLUG))["Item"]
    deps.client("dynamodb").put_item(TableName=table, Item={**typed, **spoil})
    with aws_calls() as calls:
        page = _store().approved_page(SLUG, SIZE)
    assert calls == {"dynamodb.BatchGetItem": 1, "dynamodb.Query": 1}, calls
    assert _shown(page) == _shown(_queried()[0])


def test_a_page_whose_text_is_too_long_is_not_stored(aws, monkeypatch: pytest.MonkeyPatch) -> None:
    """Comments that repeat themselves compress well; a view must not unpack megabytes."""
    monkeypatch.setattr(first_page, "MAX_TEXT", 2_000)
    store = _store()
    store.import_comment(comment(1, post=SLUG, body="again " * 1_000))
    assert _stored() is None
    assert [c.id for c in _store().approved_page(SLUG, SIZE).comments] == [comment(1).id]


def test_a_post_with_no_comments_costs_one_request(aws) -> None:
    with aws_calls() as calls:
        page = _store().approved_page("no-comments-yet", SIZE)
    assert (page.count, page.comments) == (0, [])
    assert calls == {"dynamodb.BatchGetItem": 1}, calls
