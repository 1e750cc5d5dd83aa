"""Behind the stage's CloudFront distribution: only its requests are served, links drop the
stage prefix, and the flood guard keys on the viewer's address."""

from __future__ import annotations

import pytest

from chalicelib import settings
from tests.functional.comment_helpers import SLUG, post_api
from tests.support import Lambda, json_body, soup

SECRET = "edge-secret-0123456789abcdef0123456789"
EDGE = {"x-origin-verify": SECRET}


@pytest.fixture
def behind_edge(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("BLOG_ORIGIN_SECRET", SECRET)
    settings.reset()


def test_a_request_that_skipped_the_distribution_is_refused(client, behind_edge) -> None:
    page = client.http.get("/")
    assert page.status_code == 403
    assert "public address" in soup(page.body).get_text()
    api = client.http.get("/api/posts")
    assert api.status_code == 403
    assert json_body(api)["error"]["code"] == "forbidden"
    wrong = client.http.get("/", headers={"x-origin-verify": "guess"})
    assert wrong.status_code == 403
    assert client.http.get("/", headers=EDGE).status_code == 200


def test_without_a_distribution_every_request_is_served(client) -> None:
    assert client.http.get("/").status_code == 200


def test_links_behind_the_distribution_have_no_stage_prefix(client, behind_edge) -> None:
    from app import app

    # CloudFront's origin path puts the stage in front: API Gateway sees /api/posts/...
    response = Lambda(app, stage_prefix="/api").get(f"/posts/{SLUG}", headers=EDGE)
    assert response["statusCode"] == 200
    page = soup(response["body"])
    assert page.select_one("form.comment-form")["action"] == f"/posts/{SLUG}/comments"
    assert not [a["href"] for a in page.select("a[href^='/api/']")]


def test_the_flood_guard_keys_on_the_viewer_address_only_with_the_proof(
    client, behind_edge
) -> None:
    def from_viewer(address: str, body: str, proof: bool = True):
        headers = {"CloudFront-Viewer-Address": f"{address}:443", **(EDGE if proof else {})}
        return post_api(client, headers=headers, body=body)

    assert from_viewer("192.0.2.10", "First reader.").status_code == 201
    assert from_viewer("2001:db8::7", "Second reader, same edge.").status_code == 201
    assert from_viewer("192.0.2.10", "First reader again.").status_code == 429
    # A forged viewer address without the secret never reaches the app.
    assert from_viewer("198.51.100.1", "Forged.", proof=False).status_code == 403


def test_a_trailing_slash_behind_the_distribution_redirects_without_the_stage(
    client, behind_edge
) -> None:
    from app import app

    response = Lambda(app, stage_prefix="/api").get(f"/posts/{SLUG}/", headers=EDGE)
    assert response["statusCode"] == 301
    assert response["headers"]["Location"] == f"/posts/{SLUG}"


@pytest.mark.parametrize("path", ["//evil.example/", "//evil.example/x/", f"//posts/{SLUG}/"])
def test_a_trailing_slash_never_redirects_to_another_site(client, path) -> None:
    response = client.http.get(path)
    assert response.status_code < 500
    assert not response.headers.get("Location", "").startswith("//")
