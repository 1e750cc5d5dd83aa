"""Moderators: the admin API behind the token, the CLI, exact counts, privacy requests."""

from __future__ import annotations

import json
import threading
import zlib

import pytest

from chalicelib import cli, deps
from chalicelib.comments.rules import validate
from chalicelib.comments.service import Context, submit
from tests.functional.comment_helpers import ADMIN, SLUG, TITLE, heading, post_api
from tests.support import json_body


def add(
    email: str = "reader@example.org",
    body: str = "Hello",
    ip: str = "192.0.2.1",
    now: float = 1_800_000_000,
    slug: str = SLUG,
    parent_id: str | None = None,
    author: str = "Reader",
):
    sub, errors = validate({"author": author, "email": email, "body": body, "parent_id": parent_id})
    assert not errors, errors
    meta = deps.posts().index().get(slug)
    assert meta is not None
    return submit(
        deps.comments(),
        deps.signing(),
        deps.posts().site(),
        meta,
        sub,
        Context(client_ip=ip, now=now),
    )


def count_items(slug: str = SLUG) -> int:
    """Approved comment items, counted the slow way, to check the counter against."""
    resp = deps.client("dynamodb").query(
        TableName="lambdapress-test",
        KeyConditionExpression="PK = :p AND begins_with(SK, :c)",
        FilterExpression="#s = :a",
        ExpressionAttributeNames={"#s": "status"},
        ExpressionAttributeValues={
            ":p": {"S": f"POST#{slug}"},
            ":c": {"S": "C#"},
            ":a": {"S": "approved"},
        },
    )
    return len(resp["Items"])


@pytest.mark.parametrize(
    ("method", "path"),
    [
        ("GET", "/api/admin/comments"),
        ("PATCH", "/api/admin/comments/x"),
        ("DELETE", "/api/admin/comments/x"),
    ],
)
@pytest.mark.parametrize("auth", [None, "Bearer wrong-token", "Basic abc", "Bearer "])
def test_admin_routes_need_the_bearer_token(client, method: str, path: str, auth) -> None:
    headers = {"content-type": "application/json"}
    if auth:
        headers["authorization"] = auth
    response = client.http.request(method, path, headers=headers, body=b'{"status": "spam"}')
    assert response.status_code == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert json_body(response)["error"]["code"] == "unauthorized"


def test_an_unset_admin_token_authorises_nobody(client, monkeypatch) -> None:
    from chalicelib import settings

    monkeypatch.setenv("BLOG_ADMIN_TOKEN", "")
    settings.reset()
    response = client.http.get("/api/admin/comments", headers={"authorization": "Bearer "})
    assert response.status_code == 401


def test_the_queue_lists_pending_comments_with_emails_newest_first(client) -> None:
    add(body="older", now=1_800_000_000)
    add(body="newer", ip="192.0.2.2", now=1_800_000_100)
    data = json_body(client.http.get("/api/admin/comments?status=pending", headers=ADMIN))
    assert [c["body"] for c in data["comments"]] == ["newer", "older"]
    assert data["comments"][0]["email"] == "reader@example.org"
    assert data["comments"][0]["post"] == SLUG
    assert {"id", "post", "author", "email", "body", "status", "created_at"} <= set(
        data["comments"][0]
    )
    bad = client.http.get("/api/admin/comments?status=whatever", headers=ADMIN)
    assert bad.status_code == 422


def test_the_queue_pages_with_a_cursor(client) -> None:
    for i in range(3):
        add(body=f"c{i}", ip=f"192.0.2.{i}", now=1_800_000_000 + i)
    first = json_body(client.http.get("/api/admin/comments?limit=2", headers=ADMIN))
    assert len(first["comments"]) == 2
    rest = json_body(
        client.http.get(f"/api/admin/comments?limit=2&cursor={first['next_cursor']}", headers=ADMIN)
    )
    assert [c["body"] for c in rest["comments"]] == ["c0"]
    forged = client.http.get("/api/admin/comments?cursor=abc.def", headers=ADMIN)
    assert forged.status_code == 400


def patch(client, comment_id: str, status: str):
    return client.http.request(
        "PATCH",
        f"/api/admin/comments/{comment_id}",
        headers=ADMIN,
        body=json.dumps({"status": status}),
    )


def test_approving_and_unapproving_keep_the_count_exact(client) -> None:
    comment = add()
    assert patch(client, comment.id, "approved").status_code == 200
    assert patch(client, comment.id, "approved").status_code == 200  # twice: counted once
    assert deps.comments().approved_count(SLUG) == 1 == count_items()
    assert heading(client.http.get(f"/posts/{SLUG}").body) == f"One comment on “{TITLE}”"
    updated = json_body(patch(client, comment.id, "spam"))
    assert updated["status"] == "spam"
    assert deps.comments().approved_count(SLUG) == 0 == count_items()
    assert heading(client.http.get(f"/posts/{SLUG}").body) == "No comments yet"
    patch(client, comment.id, "approved")
    assert client.http.delete(f"/api/admin/comments/{comment.id}", headers=ADMIN).status_code == 204
    assert deps.comments().approved_count(SLUG) == 0 == count_items()
    assert deps.comments().get(comment.id) is None


def test_deleting_a_comment_removes_its_duplicate_guard_and_pointer(published) -> None:
    from chalicelib.comments.errors import DuplicateComment

    comment = add()
    with pytest.raises(DuplicateComment):
        add(ip="192.0.2.2", author="Another Name")
    assert deps.comments().delete(comment.id)
    items = deps.client("dynamodb").scan(TableName="lambdapress-test")["Items"]
    assert not [i for i in items if i["SK"]["S"].startswith(("DUP#", "C#", "COMMENT"))]
    assert add(ip="192.0.2.3").body == "Hello"  # the same text may be posted again


def test_unknown_ids_and_bad_bodies(client) -> None:
    assert patch(client, "0" * 20, "approved").status_code == 404
    assert client.http.delete(f"/api/admin/comments/{'0' * 20}", headers=ADMIN).status_code == 404
    comment = add()
    assert patch(client, comment.id, "published").status_code == 422
    bad = client.http.request(
        "PATCH", f"/api/admin/comments/{comment.id}", headers=ADMIN, body=b"nope"
    )
    assert bad.status_code == 400
    assert deps.comments().get(comment.id).status == "pending"  # nothing lost


def test_reputation_follows_approval(client) -> None:
    first = add()
    assert first.status == "pending"
    deps.comments().set_status(first.id, "approved")
    second = add(body="second", ip="192.0.2.9")
    assert second.status == "approved"
    deps.comments().set_status(first.id, "trash")
    deps.comments().delete(second.id)
    assert add(body="third", ip="192.0.2.10").status == "pending"  # no approved comment left


class SerialisedClient:
    """moto's in-process backend is not thread-safe: one AWS call at a time, while the
    app's own work (validation, reputation reads, building transactions) interleaves."""

    def __init__(self, client) -> None:
        self._client = client
        self._lock = threading.Lock()

    def __getattr__(self, name: str):
        attr = getattr(self._client, name)
        if not callable(attr):
            return attr

        def call(*args, **kwargs):
            with self._lock:
                return attr(*args, **kwargs)

        return call


def test_concurrent_submissions_all_land_and_the_count_matches(published) -> None:
    from chalicelib.comments.store import CommentStore

    deps.override(
        comments=CommentStore(SerialisedClient(deps.client("dynamodb")), "lambdapress-test")
    )
    trusted = add(email="regular@example.org")
    deps.comments().set_status(trusted.id, "approved")
    errors: list[BaseException] = []

    def one(i: int) -> None:
        try:
            add(
                email="regular@example.org",
                body=f"concurrent {i}",
                ip=f"198.51.100.{i}",
                now=1_800_000_100 + i / 100,
            )
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(12)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    assert deps.comments().approved_count(SLUG) == 13 == count_items()


def test_transaction_conflicts_are_retried_and_counted_once(published, monkeypatch) -> None:
    from botocore.exceptions import ClientError

    from chalicelib.comments.store import CommentStore

    store = CommentStore(deps.client("dynamodb"), "lambdapress-test")
    trusted = add(email="regular@example.org")
    store.set_status(trusted.id, "approved")
    calls = {"n": 0}
    real = store.client.transact_write_items

    def conflicting(**kwargs):
        calls["n"] += 1
        if calls["n"] <= 2:  # as DynamoDB cancels a transaction racing another on the counter
            raise ClientError(
                {
                    "Error": {"Code": "TransactionCanceledException", "Message": "conflict"},
                    "CancellationReasons": [{"Code": "TransactionConflict"}]
                    + [{"Code": "None"}] * (len(kwargs["TransactItems"]) - 1),
                },
                "TransactWriteItems",
            )
        return real(**kwargs)

    monkeypatch.setattr(store.client, "transact_write_items", conflicting)
    deps.override(comments=store)
    stored = add(email="regular@example.org", body="raced", ip="192.0.2.50", now=1_800_000_500)
    assert calls["n"] == 3
    assert stored.status == "approved"
    assert deps.comments().approved_count(SLUG) == 2 == count_items()


def test_rate_limits_expire_by_their_own_condition_not_by_ttl_deletion(published) -> None:
    from chalicelib.comments.errors import TooFast

    add(now=1_800_000_000)
    with pytest.raises(TooFast) as err:
        add(body="again", now=1_800_000_005)
    assert err.value.retry_after == 10
    # moto never deletes TTL items: the stale item is still there, yet it no longer blocks.
    assert add(body="later", now=1_800_000_016).status == "pending"


def test_moderation_from_the_cli(published, capsys) -> None:
    comment = add(email="cli@example.org", body="From the terminal")
    assert cli.main(["comments", "list"]) == 0
    out = capsys.readouterr().out
    assert comment.id in out and "cli@example.org" in out
    assert cli.main(["comments", "approve", comment.id]) == 0
    assert deps.comments().get(comment.id).status == "approved"
    assert cli.main(["comments", "spam", comment.id]) == 0
    assert deps.comments().approved_count(SLUG) == 0
    assert cli.main(["comments", "approve", "0" * 20]) == 1
    assert "no comment" in capsys.readouterr().err
    assert cli.main(["comments", "list", "spam", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)[0]["id"] == comment.id


def test_privacy_export_and_erase_everything_for_one_email(published, capsys) -> None:
    mine = add(email="Private@Example.org")
    deps.comments().set_status(mine.id, "approved")
    add(
        email="Private@Example.org", body="second", ip="192.0.2.7", slug="practise-suturing-at-home"
    )
    other = add(email="someone@example.org", body="not mine", ip="192.0.2.8")
    assert cli.main(["comments", "export", "private@EXAMPLE.org"]) == 0  # any case finds them
    exported = json.loads(capsys.readouterr().out)
    assert sorted(c["body"] for c in exported) == ["Hello", "second"]
    assert cli.main(["comments", "erase", "PRIVATE@example.org", "--yes"]) == 0
    assert "erased 2 comment(s)" in capsys.readouterr().out
    stored = deps.client("dynamodb").scan(TableName="lambdapress-test")["Items"]
    items = json.dumps(stored, default=lambda packed: zlib.decompress(packed).decode())
    assert "Private@Example.org" not in items
    assert mine.id not in items  # nor in its post's stored first page
    assert deps.signing().email_hash("Private@Example.org") not in items  # reputation gone too
    assert deps.comments().approved_count(SLUG) == 0 == count_items()
    assert deps.comments().get(other.id) is not None


def test_xss_payloads_are_stored_and_shown_as_inert_text(client) -> None:
    from tests.support import soup

    payload = '<script>alert("x")</script><img src=x onerror=alert(1)>'
    comment = add(email="x@example.org", body=payload)
    deps.comments().set_status(comment.id, "approved")
    created = post_api(
        client,
        author=payload,
        url='https://e.org/"onmouseover="alert(1)',
        email="y@example.org",
        body="[x](javascript:alert(1))",
    )
    assert created.status_code == 201
    deps.comments().set_status(json_body(created)["id"], "approved")
    doc = soup(client.http.get(f"/posts/{SLUG}").body)
    section = doc.find("section", id="comments")
    assert section.find("script") is None
    assert section.find("img") is None
    for tag in section.find_all(True):
        assert not [a for a in tag.attrs if a.startswith("on")], tag
        assert not str(tag.get("href", "")).startswith("javascript")
    assert payload in section.get_text()
