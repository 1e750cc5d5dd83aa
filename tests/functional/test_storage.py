"""The post store: zero S3 requests on a warm view, revalidation after the TTL."""

from __future__ import annotations

from chalicelib import deps, settings
from chalicelib.comments.store import CommentStore
from chalicelib.posts.publishing import load_content, publish
from chalicelib.posts.store import PostStore
from tests.functional.test_site import add_posts
from tests.support import aws_calls

POST = "/posts/machine-learning-skin-cancer-photos"


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_a_cold_view_reads_three_objects_and_never_lists_the_bucket(client) -> None:
    with aws_calls() as calls:
        assert client.http.get(POST).status_code == 200
    assert calls["s3.GetObject"] == 3  # the index, site.yaml, the post
    assert sum(n for op, n in calls.items() if op.startswith("s3.")) == 3


def test_a_warm_post_page_view_makes_at_most_one_small_read(client) -> None:
    clock = Clock()
    store = CommentStore(deps.client("dynamodb"), settings.current().table, 1.0, clock)
    deps.override(comments=store)
    client.http.get(POST)
    with aws_calls() as calls:
        for _ in range(5):
            assert client.http.get(POST).status_code == 200
    assert calls == {}, calls  # within the TTL: nothing read at all
    clock.now += 1.5
    with aws_calls() as calls:
        for _ in range(3):
            clock.now += 1.5
            assert client.http.get(POST).status_code == 200
    # Past it, one small read a view: the post's counter says the page is still current.
    assert calls == {"dynamodb.GetItem": 3}, calls


def test_a_changed_thread_is_read_again_on_the_next_view(client) -> None:
    from tests.functional.comment_helpers import approve, heading, pending_ids, post_api

    client.http.get(POST)
    assert post_api(client).status_code == 201
    approve(client, pending_ids(client)[0])
    with aws_calls() as calls:
        page = client.http.get(POST)
    assert heading(page.body).startswith("One comment")
    # This container made the change and kept the first page it stored: nothing read.
    assert calls == {}, calls
    deps.override(comments=CommentStore(deps.client("dynamodb"), settings.current().table))
    with aws_calls() as calls:
        page = client.http.get(POST)
    assert heading(page.body).startswith("One comment")
    # Another container reads the stored first page: one item, no Query of the comments.
    assert calls == {"dynamodb.BatchGetItem": 1}, calls


def test_changes_are_picked_up_by_revalidation_after_the_ttl(client, tmp_path) -> None:
    clock = Clock()
    deps.override(
        posts=PostStore(deps.client("s3"), settings.current().bucket, ttl=30, clock=clock)
    )
    client.http.get("/")
    client.http.get(POST)
    content = add_posts(tmp_path, 1, title="Freshly published", date="2026-11-19")
    publish(PostStore(deps.client("s3"), settings.current().bucket), load_content(content))

    with aws_calls() as calls:
        assert b"Freshly published" not in client.http.get("/").body  # within the TTL
    assert calls["s3.GetObject"] == 0

    clock.now += 31
    with aws_calls() as calls:
        assert b"Freshly published" in client.http.get("/").body
        assert client.http.get(POST).status_code == 200
    # index (changed: new body), site.yaml and the post (unchanged: 304, nothing re-read)
    assert calls["s3.GetObject"] == 3
    with aws_calls() as calls:
        client.http.get(POST)
    assert calls["s3.GetObject"] == 0


def test_a_post_deleted_from_the_bucket_disappears_after_revalidation(client) -> None:
    clock = Clock()
    deps.override(
        posts=PostStore(deps.client("s3"), settings.current().bucket, ttl=30, clock=clock)
    )
    assert client.http.get(POST).status_code == 200
    from chalicelib.posts.publishing import unpublish

    unpublish(
        PostStore(deps.client("s3"), settings.current().bucket),
        "machine-learning-skin-cancer-photos",
    )
    clock.now += 31
    assert client.http.get(POST).status_code == 404
