"""AWS faults, injected at the HTTP layer: a stale page, the post without its comments, or a 503
with Retry-After; never a 500, and never a commenter's text lost."""

from __future__ import annotations

import logging
import socket
import threading
import time
from collections.abc import Iterator
from urllib.parse import urlencode

import pytest

from chalicelib import deps
from tests.functional.comment_helpers import ADMIN, FORM, SLUG, TITLE, form_token, post_api
from tests.support import aws_fault, json_body, soup

POST = f"/posts/{SLUG}"


@pytest.fixture
def revalidating(client) -> object:
    """A warm container whose cache revalidates on every request."""
    from chalicelib.posts.store import PostStore

    deps.override(posts=PostStore(deps.client("s3"), "lambdapress-test", ttl=0))
    for path in ("/", POST, "/api/posts"):
        assert client.http.get(path).status_code == 200
    return client


def test_s3_failing_while_revalidating_serves_the_copy_in_memory(revalidating, caplog) -> None:
    client = revalidating
    with caplog.at_level(logging.WARNING), aws_fault(deps.client("s3"), "GetObject") as seen:
        home, post, api = client.http.get("/"), client.http.get(POST), client.http.get("/api/posts")
    assert (home.status_code, post.status_code, api.status_code) == (200, 200, 200)
    assert TITLE in soup(post.body).h1.get_text()
    assert seen  # S3 was asked, and failed
    assert any("stale copy" in r.getMessage() for r in caplog.records)


def test_s3_failing_with_nothing_in_memory_answers_503_with_retry_after(client) -> None:
    # A new container: nothing read yet.
    with aws_fault(deps.client("s3"), "GetObject"):
        page = client.http.get(POST)
        api = client.http.get("/api/posts")
        tag = client.http.get("/tags/skin-cancer")
    assert page.status_code == 503 and tag.status_code == 503
    assert int(page.headers["Retry-After"]) > 0
    assert page.headers["Content-Type"].startswith("text/html")
    assert "try again" in soup(page.body).get_text()
    assert api.status_code == 503
    assert json_body(api)["error"]["code"] == "unavailable"
    assert int(api.headers["Retry-After"]) > 0


def test_a_post_not_yet_in_memory_answers_503_while_cached_pages_still_serve(
    revalidating,
) -> None:
    client = revalidating
    with aws_fault(deps.client("s3"), "GetObject"):
        assert client.http.get("/").status_code == 200
        other = client.http.get("/posts/sun-protection-advice-that-sticks")
    assert other.status_code == 503


@pytest.mark.parametrize("status", [400, 500, 0], ids=["throttled", "5xx", "timeout"])
def test_dynamodb_failing_shows_the_post_without_its_comments(client, status) -> None:
    with aws_fault(deps.client("dynamodb"), status=status) as seen:
        page = client.http.get(POST)
    assert page.status_code == 200
    html = soup(page.body)
    assert TITLE in html.h1.get_text()
    assert "can’t be shown right now" in html.select_one(".comments-unavailable").get_text()
    assert html.select_one("form.comment-form") is not None
    assert page.headers["Cache-Control"] == "private, no-store"
    assert len(seen) == 2  # one Query, retried once: the budget, then the page


def test_dynamodb_failing_answers_the_api_with_503(client) -> None:
    with aws_fault(deps.client("dynamodb")):
        listing = client.http.get(f"/api/posts/{SLUG}/comments")
        created = post_api(client)
        queue = client.http.get("/api/admin/comments", headers=ADMIN)
    for response in (listing, created, queue):
        assert response.status_code == 503, response.body
        assert json_body(response)["error"]["code"] == "unavailable"
        assert int(response.headers["Retry-After"]) > 0


def test_a_comment_sent_while_dynamodb_fails_is_kept_in_the_form(client, clock) -> None:
    token = form_token(client)
    clock.advance(16)
    fields = {
        "author": "Ada Reader",
        "email": "ada@example.org",
        "comment": "Words I would hate to type twice.",
        "form_token": token,
    }
    with aws_fault(deps.client("dynamodb")):
        response = client.http.post(f"{POST}/comments", headers=FORM, body=urlencode(fields))
    assert response.status_code == 503
    assert int(response.headers["Retry-After"]) > 0
    page = soup(response.body)
    assert page.find("textarea").get_text() == "Words I would hate to type twice."
    assert page.find("input", attrs={"name": "author"})["value"] == "Ada Reader"
    assert "could not be saved" in page.select_one(".form-message").get_text()


@pytest.fixture
def silent_endpoint() -> Iterator[str]:
    """A TCP endpoint on loopback that accepts connections and never answers: a hung service."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(16)
    held: list[socket.socket] = []
    stop = threading.Event()

    def accept() -> None:
        server.settimeout(0.2)
        while not stop.is_set():
            try:
                held.append(server.accept()[0])
            except OSError:
                continue

    thread = threading.Thread(target=accept, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.getsockname()[1]}"
    stop.set()
    thread.join()
    for conn in held:
        conn.close()
    server.close()


def test_a_hung_dynamodb_gives_up_within_the_budget_and_the_post_still_shows(
    client, silent_endpoint
) -> None:
    import boto3

    from chalicelib.comments.store import CommentStore
    from chalicelib.faults import GuardedClient

    hung = boto3.client("dynamodb", endpoint_url=silent_endpoint, config=deps.BOTO_CONFIG)
    deps.override(comments=CommentStore(GuardedClient(hung, "dynamodb"), "lambdapress-test"))
    started = time.monotonic()
    page = client.http.get(POST)
    waited = time.monotonic() - started
    assert page.status_code == 200
    assert soup(page.body).select_one(".comments-unavailable") is not None
    # Two attempts of a 2 s read and at most 1 s of backoff: far inside Lambda's 15 s.
    assert waited < 10, waited


def _cancelled_by(reason: str):
    from botocore.exceptions import ClientError

    def transact(**kwargs):
        reasons = [{"Code": reason}] + [{"Code": "None"}] * (len(kwargs["TransactItems"]) - 1)
        raise ClientError(
            {
                "Error": {"Code": "TransactionCanceledException", "Message": reason},
                "CancellationReasons": reasons,
            },
            "TransactWriteItems",
        )

    return transact


@pytest.mark.parametrize("reason", ["ThrottlingError", "TransactionConflict"])
def test_a_transaction_cancelled_for_load_is_a_503_not_a_refusal(
    client, clock, monkeypatch, reason
) -> None:
    monkeypatch.setattr("chalicelib.comments.writer.time.sleep", lambda seconds: None)
    monkeypatch.setattr(deps.client("dynamodb"), "transact_write_items", _cancelled_by(reason))
    response = post_api(client, body="Sent while DynamoDB is busy.")
    assert response.status_code == 503
    assert json_body(response)["error"]["code"] == "unavailable"
    assert int(response.headers["Retry-After"]) > 0
