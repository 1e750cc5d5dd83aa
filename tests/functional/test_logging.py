"""One structured log line per request; nothing personal or secret in any log."""

from __future__ import annotations

import json
import logging

from chalicelib import deps
from tests.conftest import ADMIN_TOKEN, SECRET_KEY
from tests.functional.comment_helpers import ADMIN, SLUG, post_api, post_form


def request_lines(caplog) -> list[dict]:
    return [json.loads(r.getMessage()) for r in caplog.records if r.name == "chalicelib.edge"]


def test_each_request_logs_one_json_line(client, caplog) -> None:
    caplog.set_level(logging.INFO)
    client.http.get(f"/posts/{SLUG}?unapproved=x")
    client.http.get("/nowhere")
    first, second = request_lines(caplog)
    assert first["route"] == "/posts/{slug}" and first["status"] == 200
    assert first["method"] == "GET"
    assert isinstance(first["duration_ms"], float)
    assert isinstance(first["cold_start"], bool)
    assert second["status"] == 404
    assert "unapproved" not in json.dumps(first)  # no query strings


def test_no_email_address_or_token_reaches_the_logs(client, clock, caplog) -> None:
    # INFO everywhere, the level the app logs at (botocore's DEBUG would echo request bodies).
    caplog.set_level(logging.INFO)
    post_form(client, clock, email="private.person@example.org")
    post_api(client, email="other.person@example.org")
    client.http.get("/api/admin/comments", headers=ADMIN)
    client.http.get("/api/admin/comments", headers={"authorization": "Bearer wrong-guess"})
    text = "\n".join(r.getMessage() for r in caplog.records)
    for secret in (
        "private.person",
        "other.person",
        "127.0.0.1",
        ADMIN_TOKEN,
        SECRET_KEY,
        "wrong-guess",
    ):
        assert secret not in text, secret


def test_an_unexpected_error_is_logged_with_its_traceback_and_answered_in_shape(
    client, caplog, monkeypatch
) -> None:
    caplog.set_level(logging.INFO)

    def broken(*args, **kwargs):
        raise RuntimeError("the table is on fire")

    monkeypatch.setattr(type(deps.comments()), "approved_page", broken)
    api = client.http.get(f"/api/posts/{SLUG}/comments")
    assert api.status_code == 500
    assert json.loads(api.body)["error"]["code"] == "internal"
    assert b"on fire" not in api.body  # details stay in the logs
    page = client.http.get(f"/posts/{SLUG}")
    assert page.status_code == 500
    assert page.headers["Content-Type"].startswith("text/html")
    assert b"Something went wrong" in page.body and b"on fire" not in page.body
    errors = [r for r in caplog.records if r.levelno >= logging.ERROR]
    assert errors and errors[0].exc_info is not None
    assert "the table is on fire" in str(errors[0].exc_info[1])
    assert [line["status"] for line in request_lines(caplog)] == [500, 500]
