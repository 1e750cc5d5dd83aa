"""Listings, archives, feeds, discovery, the read API, and HTTP behaviour."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET

import feedparser
import pytest

from app import app
from chalicelib import deps
from chalicelib.posts.publishing import load_content, publish
from chalicelib.posts.store import post_key
from tests.conftest import CONTENT
from tests.support import Lambda, json_body, soup

VISIBLE = {
    "machine-learning-skin-cancer-photos",
    "sun-protection-advice-that-sticks",
    "practise-suturing-at-home",
    "reading-an-ecg-strip-quickly",
}


def post_links(body: bytes) -> list[str]:
    return [a["href"] for a in soup(body).select(".post-list h2 a")]


def test_home_lists_recent_posts_newest_first_without_the_draft(client) -> None:
    response = client.http.get("/")
    assert response.status_code == 200
    assert post_links(response.body) == [
        "/posts/machine-learning-skin-cancer-photos",
        "/posts/sun-protection-advice-that-sticks",
        "/posts/practise-suturing-at-home",
        "/posts/reading-an-ecg-strip-quickly",
    ]
    assert b"wound-care" not in response.body


def add_posts(tmp_path, count: int, **front: str):
    """A copy of the sample content with `count` more posts."""
    content = tmp_path / "content"
    (content / "posts").mkdir(parents=True)
    (content / "site.yaml").write_text((CONTENT / "site.yaml").read_text())
    for i in range(count):
        fields = {
            "title": f"Post {i}",
            "date": f"2026-01-{i + 1:02d}",
            "author": "A",
            "category": "Research",
            "tags": "[extra]",
            **front,
        }
        text = "---\n" + "\n".join(f"{k}: {v}" for k, v in fields.items()) + "\n---\nBody.\n"
        (content / "posts" / f"post-{i}.md").write_text(text)
    return content


def test_home_pages_ten_posts_at_a_time(client, tmp_path) -> None:
    publish(deps.posts(), load_content(add_posts(tmp_path, 23)))  # 27 with the sample posts
    first = client.http.get("/")
    assert len(post_links(first.body)) == 10
    nav = soup(first.body).select_one("nav.pagination")
    assert nav.find("a", rel="next")["href"] == "/?page=2"
    third = client.http.get("/?page=3")
    assert post_links(third.body) == [f"/posts/post-{i}" for i in range(6, -1, -1)]
    assert client.http.get("/?page=4").status_code == 404
    assert client.http.get("/?page=zero").status_code == 404


def test_tag_and_category_archives(client) -> None:
    tag = client.http.get("/tags/skin-cancer")
    assert soup(tag.body).h1.get_text() == "Posts tagged “skin cancer”"
    assert post_links(tag.body) == [
        "/posts/machine-learning-skin-cancer-photos",
        "/posts/sun-protection-advice-that-sticks",
    ]
    category = client.http.get("/categories/clinical-procedures")
    assert post_links(category.body) == ["/posts/practise-suturing-at-home"]
    assert client.http.get("/tags/no-such-tag").status_code == 404
    assert client.http.get("/categories/no-such-category").status_code == 404


@pytest.mark.parametrize(
    "path", ["/posts/no-such-post", "/posts/wound-care-webinar-draft", "/nowhere", "/a/b/c.html"]
)
def test_unknown_pages_get_the_html_404_page(client, path: str) -> None:
    response = client.http.get(path)
    assert response.status_code == 404
    assert response.headers["Content-Type"].startswith("text/html")
    assert soup(response.body).h1.get_text() == "Page not found"


def test_unknown_api_paths_get_a_json_404(client) -> None:
    response = client.http.get("/api/nothing/here")
    assert response.status_code == 404
    assert json_body(response)["error"]["code"] == "not_found"


def test_future_posts_stay_hidden_everywhere_until_their_day(client, tmp_path) -> None:
    tomorrow = (dt.datetime.now(dt.UTC).date() + dt.timedelta(days=1)).isoformat()
    publish(deps.posts(), load_content(add_posts(tmp_path, 1, date=tomorrow)))
    assert deps.posts().index().get("post-0") is not None  # published, but scheduled
    for path in ("/", "/tags/extra", "/feed.xml", "/sitemap.xml", "/api/posts"):
        assert b"post-0" not in client.http.get(path).body, path
    assert client.http.get("/posts/post-0").status_code == 404
    assert client.http.get("/api/posts/post-0").status_code == 404


def test_drafts_are_never_uploaded(published) -> None:
    keys = deps.posts().source_etags()
    assert post_key("wound-care-webinar-draft") not in keys
    assert {k.removeprefix("posts/").removesuffix(".md") for k in keys} == VISIBLE


def test_pages_have_strong_etags_and_answer_304(client) -> None:
    first = client.http.get("/posts/practise-suturing-at-home")
    etag = first.headers["ETag"]
    assert etag.startswith('"') and not etag.startswith("W/")
    assert "s-maxage" in first.headers["Cache-Control"]
    again = client.http.get("/posts/practise-suturing-at-home", headers={"If-None-Match": etag})
    assert again.status_code == 304
    assert again.body == b""
    other = client.http.get("/posts/practise-suturing-at-home", headers={"If-None-Match": '"x"'})
    assert other.status_code == 200


def test_html_pages_send_a_strict_content_security_policy(client) -> None:
    csp = client.http.get("/").headers["Content-Security-Policy"]
    assert "default-src 'none'" in csp
    assert "script-src" not in csp
    assert "'unsafe-inline'" not in csp


def test_links_work_under_the_api_gateway_stage_prefix(published) -> None:
    response = Lambda(app, "/api").get("/posts/machine-learning-skin-cancer-photos")
    assert response["statusCode"] == 200
    doc = soup(response["body"])
    assert doc.select_one(".site-title a")["href"] == "/api/"
    assert doc.select_one(".tag-links a")["href"] == "/api/tags/skin-cancer"
    assert doc.find("form")["action"] == "/api/posts/machine-learning-skin-cancer-photos/comments"
    # Absolute URLs come from the configured site URL, not from the request.
    assert doc.find("link", rel="canonical")["href"].startswith("http://127.0.0.1:8000/posts/")
    home = soup(Lambda(app, "/api").get("/")["body"])
    assert home.select_one(".post-list h2 a")["href"].startswith("/api/posts/")
    missing = Lambda(app, "/api").get("/no/such/page")
    assert missing["statusCode"] == 404
    assert soup(missing["body"]).select_one(".site-title a")["href"] == "/api/"


def test_the_rss_feed_parses_with_absolute_links(client) -> None:
    response = client.http.get("/feed.xml")
    assert response.headers["Content-Type"].startswith("application/rss+xml")
    feed = feedparser.parse(response.body)
    assert not feed.bozo, feed.get("bozo_exception")
    assert feed.version == "rss20"
    assert feed.feed.title == "Clinical Learning Notes"
    assert [e.link for e in feed.entries][:2] == [
        "http://127.0.0.1:8000/posts/machine-learning-skin-cancer-photos",
        "http://127.0.0.1:8000/posts/sun-protection-advice-that-sticks",
    ]
    assert len(feed.entries) == 4
    assert feed.entries[0].published_parsed[:3] == (2026, 11, 18)


def test_a_tag_feed_holds_only_that_tags_posts(client) -> None:
    feed = feedparser.parse(client.http.get("/tags/training/feed.xml").body)
    assert not feed.bozo
    assert {e.link.rsplit("/", 1)[-1] for e in feed.entries} == {
        "practise-suturing-at-home",
        "reading-an-ecg-strip-quickly",
    }
    assert client.http.get("/tags/nothing/feed.xml").status_code == 404


def test_the_sitemap_is_valid_xml_listing_every_public_page(client) -> None:
    root = ET.fromstring(client.http.get("/sitemap.xml").body)
    ns = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9"}
    locs = [loc.text for loc in root.findall("s:url/s:loc", ns)]
    assert "http://127.0.0.1:8000/" in locs
    assert {f"http://127.0.0.1:8000/posts/{slug}" for slug in VISIBLE} <= set(locs)
    assert "http://127.0.0.1:8000/tags/skin-cancer" in locs
    assert not any("wound-care" in loc for loc in locs)


def test_robots_txt_points_at_the_sitemap(client) -> None:
    body = client.http.get("/robots.txt").body.decode()
    assert "Sitemap: http://127.0.0.1:8000/sitemap.xml" in body
    assert "Disallow: /api/" in body


def test_the_read_api_lists_and_returns_posts(client) -> None:
    listing = json_body(client.http.get("/api/posts"))
    assert listing["count"] == 4
    first = listing["posts"][0]
    assert first["slug"] == "machine-learning-skin-cancer-photos"
    assert first["url"] == "http://127.0.0.1:8000/posts/machine-learning-skin-cancer-photos"
    assert first["citation"]["doi"] == "10.1038/nature21056"
    one = client.http.get("/api/posts/practise-suturing-at-home")
    assert one.headers["Content-Type"] == "application/json"
    data = json_body(one)
    assert data["reading_minutes"] == 4
    assert "<table>" in data["html"]
    missing = client.http.get("/api/posts/nope")
    assert missing.status_code == 404
    assert json_body(missing) == {
        "error": {"code": "not_found", "message": "There is no post with this slug."}
    }


def test_a_stage_with_nothing_published_says_so(aws) -> None:
    from chalice.test import Client

    from tests.conftest import ROOT

    with Client(app, stage_name="local", project_dir=str(ROOT)) as client:
        page = client.http.get("/")
        assert page.status_code == 503
        assert page.headers["Retry-After"] == "60"
        assert soup(page.body).h1.get_text() == "Not published yet"
        api = client.http.get("/api/posts")
        assert api.status_code == 503
        assert json_body(api)["error"]["code"] == "not_published"
        from tests.functional.comment_helpers import ADMIN

        queue = client.http.get("/api/admin/comments", headers=ADMIN)
        assert queue.status_code == 200  # moderation works before anything is published


@pytest.mark.parametrize("path", ["/", "/posts/practise-suturing-at-home", "/feed.xml", "/nowhere"])
def test_head_answers_like_get_without_a_body(client, path: str) -> None:
    get = client.http.get(path)
    head = client.http.request("HEAD", path)
    assert head.status_code == get.status_code
    assert head.body == b""
    assert head.headers["Content-Type"] == get.headers["Content-Type"]
    assert head.headers.get("ETag") == get.headers.get("ETag")
