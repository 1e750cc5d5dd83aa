"""A throttled BatchGetItem leaves keys unread (UnprocessedKeys), which botocore does not
retry: the store asks again, and never takes an unread item for a missing one."""

from __future__ import annotations

from typing import Any

import boto3
import pytest
from botocore.stub import Stubber

from chalicelib.comments import table as t
from chalicelib.comments.store import CommentStore
from chalicelib.faults import Unavailable

SLUG = "a-post"
COUNTER = {**t.count_key(SLUG), **t.item({"approved": 0, "version": 3})}


def _store() -> tuple[CommentStore, Stubber]:
    client = boto3.client(
        "dynamodb",
        region_name="us-east-1",
        aws_access_key_id="test",
        aws_secret_access_key="test",
    )
    return CommentStore(client, "t", page_size=lambda: 50), Stubber(client)


def _unread(keys: list[dict[str, Any]]) -> dict[str, Any]:
    return {
        "Responses": {"t": []},
        "UnprocessedKeys": {"t": {"Keys": keys, "ConsistentRead": True}},
    }


def test_keys_left_unread_are_asked_again() -> None:
    store, stub = _store()
    both = [t.count_key(SLUG), t.first_page_key(SLUG)]
    stub.add_response("batch_get_item", _unread(both))
    stub.add_response("batch_get_item", {"Responses": {"t": [COUNTER]}})
    stub.add_response("query", {"Items": []})  # version 3, no page stored: the thread is read
    with stub:
        page = store.approved_page(SLUG, 50)
    stub.assert_no_pending_responses()
    assert (page.count, page.comments) == (0, [])


def test_keys_still_unread_make_the_read_unavailable() -> None:
    """Not an empty thread: the view shows the post without its comments (and no cache
    keeps that page)."""
    store, stub = _store()
    both = [t.count_key(SLUG), t.first_page_key(SLUG)]
    for _ in range(3):
        stub.add_response("batch_get_item", _unread(both))
    with stub, pytest.raises(Unavailable):
        store.approved_page(SLUG, 50)
    stub.assert_no_pending_responses()
