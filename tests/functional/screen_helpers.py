"""Helpers for the moderation screen's tests: sign in, read a page's CSRF token, POST forms."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from tests.conftest import ADMIN_TOKEN
from tests.functional.comment_helpers import FORM
from tests.support import soup


def sign_in(client: Any, token: str = ADMIN_TOKEN) -> dict[str, str]:
    """The Cookie header of a signed-in moderator."""
    response = client.http.post("/admin/login", headers=FORM, body=urlencode({"token": token}))
    assert response.status_code == 303, response.body[:300]
    cookie = response.headers["Set-Cookie"].split(";", 1)[0]
    return {"cookie": cookie}


def csrf_of(body: bytes) -> str:
    return str(soup(body).find("input", attrs={"name": "csrf"})["value"])


def screen(client: Any, cookie: dict[str, str], query: str = "") -> Any:
    response = client.http.get("/admin" + (f"?{query}" if query else ""), headers=cookie)
    assert response.status_code == 200, response.body[:300]
    return response


def post(client: Any, path: str, cookie: dict[str, str], fields: list[tuple[str, str]]) -> Any:
    return client.http.post(path, headers={**FORM, **cookie}, body=urlencode(fields))
