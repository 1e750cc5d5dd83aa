"""One contract, two stores: the DynamoDB CommentStore (on moto) and its in-memory twin."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator
from typing import Any

import pytest

from chalicelib.comments.errors import (
    DuplicateComment,
    IdempotencyMismatch,
    ParentUnavailable,
    TooFast,
)
from chalicelib.comments.model import Comment, Edit, make_comment
from chalicelib.comments.queue import ListFilter
from chalicelib.comments.store import Guards
from tests.fakes import FakeCommentStore

NOW = 1_800_000_000


@pytest.fixture(params=["fake", "dynamodb"])
def store(request: pytest.FixtureRequest) -> Iterator[Any]:
    if request.param == "fake":
        yield FakeCommentStore()
        return
    request.getfixturevalue("aws")
    from chalicelib import deps

    yield deps.comments()


def comment(n: int, status: str = "approved", parent: Comment | None = None, **kw: Any) -> Comment:
    cid = f"{NOW * 1000 + n:012x}{n:08x}"
    return make_comment(
        id=cid,
        post=kw.pop("post", "a-post"),
        path=f"{parent.path}/{cid}" if parent else cid,
        parent_id=parent.id if parent else None,
        author=f"Reader {n}",
        email=kw.pop("email", f"r{n}@example.org"),
        url="",
        body=kw.pop("body", f"Comment {n}."),
        status=status,
        created=dt.datetime.fromtimestamp(NOW + n, dt.UTC),
        email_hash=kw.pop("email_hash", f"hash-{n}"),
        client_hash=kw.pop("client_hash", f"client-{n}"),
    )


def guards(c: Comment, **kw: Any) -> Guards:
    return Guards(
        duplicate_digest=kw.pop("dup", f"dup-{c.id}"),
        client_hash=c.client_hash,
        flood_seconds=15,
        request_fingerprint=kw.pop("request_fingerprint", f"sent-{c.id}"),
        **kw,
    )


def test_an_approved_comment_counts_for_its_post_and_its_author(store) -> None:
    first = store.add(comment(1), guards(comment(1)), NOW)
    assert store.get(first.id) == first
    assert store.approved_count("a-post") == 1
    assert store.author_is_trusted("hash-1")
    assert not store.author_is_trusted("hash-2")


def test_a_pending_comment_counts_only_once_approved_and_no_longer_once_trashed(store) -> None:
    held = store.add(comment(1, "pending"), guards(comment(1)), NOW)
    assert store.approved_count("a-post") == 0
    assert store.set_status(held.id, "approved").status == "approved"
    assert store.set_status(held.id, "approved").status == "approved"  # no double count
    assert store.approved_count("a-post") == 1
    store.set_status(held.id, "trash")
    assert store.approved_count("a-post") == 0
    assert store.set_status("0" * 20, "approved") is None


def test_the_same_text_twice_is_a_duplicate_until_the_first_is_deleted(store) -> None:
    store.add(comment(1), guards(comment(1), dup="same"), NOW)
    with pytest.raises(DuplicateComment):
        store.add(comment(2), guards(comment(2), dup="same"), NOW + 60)
    assert store.delete(comment(1).id)
    assert store.approved_count("a-post") == 0
    store.add(comment(2), guards(comment(2), dup="same"), NOW + 60)
    assert not store.delete("0" * 20)


def test_the_same_submission_again_is_answered_with_the_stored_comment(store) -> None:
    first = store.add(comment(1), guards(comment(1), dup="same", request_fingerprint="f"), NOW)
    again = store.add(comment(2), guards(comment(2), dup="same", request_fingerprint="f"), NOW + 60)
    assert again.id == first.id
    assert store.approved_count("a-post") == 1
    with pytest.raises(DuplicateComment):  # the same text with another name: a duplicate
        store.add(comment(3), guards(comment(3), dup="same", request_fingerprint="g"), NOW + 90)


def test_one_client_is_held_back_for_the_flood_window_then_let_through(store) -> None:
    store.add(comment(1, client_hash="c"), guards(comment(1, client_hash="c")), NOW)
    with pytest.raises(TooFast) as refused:
        store.add(comment(2, client_hash="c"), guards(comment(2, client_hash="c")), NOW + 5)
    assert refused.value.retry_after == 10
    store.add(comment(3, client_hash="c"), guards(comment(3, client_hash="c")), NOW + 16)


def test_an_idempotency_key_replays_its_comment_and_refuses_other_content(store) -> None:
    key = {"idempotency_digest": "k", "request_fingerprint": "f"}
    first = store.add(comment(1), guards(comment(1), **key), NOW)
    again = store.add(comment(2), guards(comment(2), **key), NOW + 1)
    assert again.id == first.id
    assert store.approved_count("a-post") == 1
    other = {"idempotency_digest": "k", "request_fingerprint": "other"}
    with pytest.raises(IdempotencyMismatch):
        store.add(comment(3), guards(comment(3), **other), NOW + 2)


def test_a_reply_needs_an_approved_parent(store) -> None:
    parent = store.add(comment(1, "pending"), guards(comment(1)), NOW)
    with pytest.raises(ParentUnavailable):
        store.add(comment(2, parent=parent), guards(comment(2)), NOW + 20, parent)
    store.set_status(parent.id, "approved")
    reply = store.add(comment(3, parent=parent), guards(comment(3)), NOW + 40, parent)
    assert reply.parent_id == parent.id


def test_an_import_is_stored_once(store) -> None:
    assert store.import_comment(comment(1))
    assert not store.import_comment(comment(1))
    assert store.approved_count("a-post") == 1


def test_pages_walk_the_thread_forwards_and_back(store) -> None:
    top = [comment(i) for i in range(1, 6)]
    for c in top:
        store.import_comment(c)
    store.import_comment(comment(9, parent=top[0]))
    store.import_comment(comment(20, "pending"))
    store.import_comment(comment(21, post="another-post"))
    first = store.approved_page("a-post", 2)
    assert [c.id for c in first.comments] == [top[0].id, comment(9, parent=top[0]).id]
    assert first.count == 6 and first.prev_before is None
    second = store.approved_page("a-post", 2, after=first.next_after)
    assert [c.id for c in second.comments] == [top[1].id, top[2].id]
    back = store.approved_page("a-post", 2, before=second.prev_before)
    assert [c.id for c in back.comments] == [c.id for c in first.comments]
    at = store.approved_page("a-post", 2, at=top[3].path)
    assert [c.id for c in at.comments] == [top[3].id, top[4].id]
    assert at.next_after is None


def test_the_moderation_list_pages_newest_first(store) -> None:
    for i in range(1, 6):
        store.import_comment(comment(i, "pending"))
    seen: list[str] = []
    page, after = store.by_status("pending", limit=2)
    seen += [c.id for c in page]
    while after is not None:
        page, after = store.by_status("pending", limit=2, after=after)
        seen += [c.id for c in page]
    assert seen == [comment(i).id for i in range(5, 0, -1)]


def test_privacy_finds_and_erases_every_comment_of_an_email(store) -> None:
    for i in (1, 2):
        store.import_comment(comment(i, email="same@example.org", email_hash="same"))
    store.import_comment(comment(3))
    assert [c.id for c in store.by_email("same")] == [comment(1).id, comment(2).id]
    assert store.erase_email("same") == 2
    assert store.by_email("same") == []
    assert not store.author_is_trusted("same")
    assert store.approved_count("a-post") == 1


def test_settled_answers_a_retry_or_a_refusal_before_anything_is_rendered(store) -> None:
    first = comment(1, client_hash="c")
    sent = guards(first, dup="same", request_fingerprint="f", idempotency_digest="k")
    assert store.settled("a-post", sent, NOW) is None
    store.add(first, sent, NOW)
    assert store.settled("a-post", sent, NOW + 1).id == first.id
    other = guards(comment(2, client_hash="c"), request_fingerprint="g")
    with pytest.raises(TooFast):
        store.settled("a-post", other, NOW + 1)
    assert store.settled("a-post", other, NOW + 20) is None
    renamed = guards(comment(3), dup="same", request_fingerprint="h")
    with pytest.raises(DuplicateComment):
        store.settled("a-post", renamed, NOW + 20)


def test_erasing_a_parent_leaves_a_removed_placeholder_that_keeps_its_replies_threaded(
    store,
) -> None:
    parent = comment(1, email="gone@example.org", email_hash="gone", body="Mine, private")
    reply = comment(2, parent=parent)
    lone = comment(3, email="gone@example.org", email_hash="gone")
    for c in (parent, reply, lone):
        store.import_comment(c)
    assert store.approved_count("a-post") == 3
    assert store.erase_email("gone") == 2
    page = store.approved_page("a-post", 50)
    assert [c.id for c in page.comments] == [parent.id, reply.id]  # the lone one is gone
    placeholder = page.comments[0]
    assert placeholder.removed
    assert (placeholder.author, placeholder.email, placeholder.body, placeholder.url) == ("",) * 4
    assert page.comments[1].path == f"{parent.id}/{reply.id}"
    # Counts stay exact: the placeholder is not a comment anyone can read.
    assert store.approved_count("a-post") == page.count == 1
    assert store.by_email("gone") == []
    assert store.by_status("approved")[0] == [page.comments[1]]
    assert store.set_status(parent.id, "trash") is None  # nothing left to moderate
    assert store.delete(reply.id)
    assert store.approved_count("a-post") == 0


def test_erasing_an_email_with_its_own_replies_leaves_no_empty_placeholder(store) -> None:
    parent = comment(1, email="gone@example.org", email_hash="gone")
    own_reply = comment(2, parent=parent, email="gone@example.org", email_hash="gone")
    for c in (parent, own_reply):
        store.import_comment(c)
    assert store.erase_email("gone") == 2
    assert store.approved_page("a-post", 50).comments == []
    assert store.get(parent.id) is None and store.get(own_reply.id) is None


def test_the_counts_per_status_follow_every_change(store) -> None:
    for n, status in ((1, "pending"), (2, "pending"), (3, "approved")):
        store.import_comment(comment(n, status))
    store.set_status(comment(1).id, "spam")
    store.delete(comment(3).id)
    assert store.status_counts() == {"approved": 0, "pending": 1, "spam": 1, "trash": 0}
    assert store.reputation("hash-3") == 0


def test_moderation_lists_filter_by_post_and_email_and_page_through_all(store) -> None:
    for n in range(1, 7):
        post = "a-post" if n % 2 else "b-post"
        store.import_comment(comment(n, "pending", post=post, email_hash=f"h{n % 3}"))
    seen, after = [], None
    while True:
        page, after = store.moderation_list("pending", 2, after, ListFilter(post="a-post"))
        seen += [c.id for c in page]
        if after is None:
            break
    assert seen == [comment(n).id for n in (5, 3, 1)]
    by_email, _ = store.moderation_list("pending", 10, None, ListFilter(email_hash="h0"))
    assert [c.id for c in by_email] == [comment(n).id for n in (6, 3)]


def test_an_edit_re_renders_the_comment_and_keeps_its_place(store) -> None:
    store.import_comment(comment(1))
    at = "2027-01-01T00:00:00Z"
    edited = store.edit(comment(1).id, Edit("New Name", "", "Now *emphatic*."), at)
    assert edited.html == "<p>Now <em>emphatic</em>.</p>\n"
    assert (edited.author, edited.status, edited.path) == ("New Name", "approved", comment(1).path)
    assert store.approved_page("a-post", 50).comments[0].html == edited.html
    assert store.edit("0" * 20, Edit("x", "", "y"), at) is None
