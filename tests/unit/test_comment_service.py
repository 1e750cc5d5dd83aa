"""The comment service on the in-memory store: no HTTP, no AWS."""

from __future__ import annotations

import dataclasses
import datetime as dt

import pytest

from chalicelib.comments.errors import CommentsClosed, FormExpired, InvalidComment
from chalicelib.comments.model import Comment
from chalicelib.comments.rules import FormSignals, Submission
from chalicelib.comments.service import Context, submit
from chalicelib.posts.model import PostMeta
from chalicelib.posts.site import CommentPolicy, SiteConfig
from chalicelib.signing import Signing
from tests.fakes import FakeCommentStore

NOW = 1_800_000_000.0
SIGNING = Signing("k" * 40)
SITE = SiteConfig(title="T", url="https://t.example", comments=CommentPolicy(thread_depth=2))
POST = PostMeta(
    slug="a-post",
    title="A post",
    date=dt.date(2026, 11, 1),
    author="A",
    category="C",
    tags=(),
    summary="",
    reading_minutes=1,
)


def sub(body: str = "Thanks.", email: str = "ann@example.org", **kw: object) -> Submission:
    return Submission(author="Ann", email=email, url="", body=body, **kw)  # type: ignore[arg-type]


def send(
    store: FakeCommentStore,
    s: Submission,
    now: float = NOW,
    ip: str = "192.0.2.1",
    site: SiteConfig = SITE,
    form: FormSignals | None = None,
) -> Comment:
    ctx = Context(client_ip=ip, now=now, form=form)
    return submit(store, SIGNING, site, POST, s, ctx)  # type: ignore[arg-type]


def test_a_new_author_waits_and_a_known_one_is_published() -> None:
    store = FakeCommentStore()
    first = send(store, sub())
    assert first.status == "pending"
    store.set_status(first.id, "approved")
    second = send(store, sub("More thoughts."), NOW + 60)
    assert second.status == "approved"
    assert store.approved_count("a-post") == 2


def test_a_closed_post_takes_nothing() -> None:
    store = FakeCommentStore()
    closed = dataclasses.replace(SITE, comments=CommentPolicy(close_after_days=1))
    with pytest.raises(CommentsClosed):
        send(store, sub(), site=closed)
    assert store.comments == {}


def test_a_form_served_too_long_ago_is_refused_and_a_quick_one_held_for_moderation() -> None:
    store = FakeCommentStore()
    with pytest.raises(FormExpired):
        send(store, sub(), form=FormSignals(age=10**6))
    quick = send(store, sub(), form=FormSignals(age=0.5))
    assert (quick.status, quick.reason) == ("pending", "too quick")


def test_a_reply_to_a_missing_comment_names_the_field() -> None:
    with pytest.raises(InvalidComment) as refused:
        send(FakeCommentStore(), sub(parent_id="f" * 20))
    assert "parent_id" in refused.value.fields


def test_past_the_deepest_level_a_reply_joins_its_parents_thread() -> None:
    store = FakeCommentStore()
    top = send(store, sub("Top."))
    store.set_status(top.id, "approved")
    reply = send(store, sub("Reply.", parent_id=top.id), NOW + 20, ip="192.0.2.2")
    store.set_status(reply.id, "approved")
    deeper = send(store, sub("Deeper.", parent_id=reply.id), NOW + 40, ip="192.0.2.3")
    assert reply.path == f"{top.id}/{reply.id}"
    assert deeper.path == f"{top.id}/{deeper.id}"  # thread_depth 2: a sibling of the reply
    assert deeper.parent_id == top.id
