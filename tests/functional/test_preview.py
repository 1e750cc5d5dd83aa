"""Signed previews of drafts and scheduled posts: exactly the page, to the link's holder only."""

from __future__ import annotations

import datetime as dt
import time

import pytest

from chalicelib import cli, deps
from chalicelib.posts.store import draft_key, post_key
from tests.support import soup

DRAFT = "wound-care-webinar-draft"


def link_path(capsys: pytest.CaptureFixture[str], slug: str) -> str:
    assert cli.main(["preview", slug]) == 0
    url = capsys.readouterr().out.splitlines()[0]
    assert url.startswith(deps.posts().site().url + "/preview/")  # the published url
    return "/preview/" + url.split("/preview/", 1)[1]


def test_a_draft_is_uploaded_for_previews_only_and_never_listed(client) -> None:
    assert deps.posts().read_source(draft_key(DRAFT)) is not None
    assert deps.posts().read_source(post_key(DRAFT)) is None
    assert deps.posts().index().get(DRAFT) is None
    for path in ("/", "/feed.xml", "/sitemap.xml", "/api/posts", "/categories/wound-care"):
        assert DRAFT.encode() not in client.http.get(path).body, path
    assert client.http.get(f"/posts/{DRAFT}").status_code == 404
    assert client.http.get(f"/api/posts/{DRAFT}").status_code == 404


def test_the_preview_link_shows_the_draft_as_a_post_page_noindex_and_no_store(
    client, capsys
) -> None:
    response = client.http.get(link_path(capsys, DRAFT))
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert response.headers["X-Robots-Tag"] == "noindex, nofollow"
    page = soup(response.body)
    assert page.find("meta", attrs={"name": "robots"})["content"] == "noindex, nofollow"
    assert "min read" in page.find("h1").get_text()
    assert page.find("link", rel="canonical")["href"].endswith(f"/posts/{DRAFT}")


def test_a_forged_or_expired_link_shows_nothing(client, capsys, monkeypatch) -> None:
    path = link_path(capsys, DRAFT)
    forged = client.http.get(path[:-3] + "abc")
    assert forged.status_code == 404
    assert b"not valid" in forged.body
    later = time.time() + 24 * 3600 + 5
    monkeypatch.setattr(time, "time", lambda: later)
    expired = client.http.get(path)
    assert expired.status_code == 404
    assert b"expired" in expired.body


def test_a_scheduled_post_can_be_previewed_before_its_day(client, content, capsys) -> None:
    from chalicelib.posts.publishing import load_content, publish

    tomorrow = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)).isoformat()
    path = content / "posts" / "practise-suturing-at-home.md"
    text = path.read_text()
    start = text.index("date: ")
    path.write_text(text[:start] + f"date: {tomorrow}" + text[text.index("\n", start) :])
    publish(deps.posts(), load_content(content))
    assert client.http.get("/posts/practise-suturing-at-home").status_code == 404
    shown = client.http.get(link_path(capsys, "practise-suturing-at-home"))
    assert shown.status_code == 200


def test_a_draft_that_goes_live_leaves_drafts_and_preview_needs_a_published_post(
    published, content, capsys
) -> None:
    from chalicelib.posts.publishing import load_content, publish

    path = content / "posts" / f"{DRAFT}.md"
    path.write_text(path.read_text().replace("draft: true", "draft: false"))
    publish(deps.posts(), load_content(content))
    assert deps.posts().read_source(draft_key(DRAFT)) is None
    assert cli.main(["preview", "never-written"]) == 1
    assert "run publish first" in capsys.readouterr().err
