"""A post's comments feed: its newest approved comments, never an email."""

from __future__ import annotations

import xml.etree.ElementTree as ET

from chalicelib import deps
from tests.functional.comment_helpers import SLUG
from tests.functional.test_moderation_admin import add
from tests.support import soup


def test_the_feed_lists_the_newest_approved_comments_without_emails(client, monkeypatch) -> None:
    from chalicelib.views import comment_feed

    monkeypatch.setattr(comment_feed, "FEED_SIZE", 3)
    ids = []
    for i in range(5):
        c = add(
            email=f"secret{i}@example.org",
            body=f"Remark {i}",
            ip=f"192.0.2.{i}",
            now=1_800_000_000 + i,
        )
        deps.comments().set_status(c.id, "approved")
        ids.append(c.id)
    reply = add(body="A late reply", parent_id=ids[0], ip="192.0.2.50", now=1_800_000_100)
    deps.comments().set_status(reply.id, "approved")
    held = add(body="Still held", email="new@example.org", ip="192.0.2.60", now=1_800_000_200)
    assert held.status == "pending"
    response = client.http.get(f"/posts/{SLUG}/comments.xml")
    assert response.status_code == 200
    assert response.headers["Content-Type"].startswith("application/rss+xml")
    assert b"@example.org" not in response.body
    items = ET.fromstring(response.body).findall("./channel/item")
    links = [i.findtext("link").rsplit("#comment-", 1)[1] for i in items]
    assert links == [reply.id, ids[4], ids[3]]  # newest first, a reply to an old thread too
    assert "<p>A late reply</p>" in items[0].findtext("description")


def test_the_post_page_links_its_comments_feed_and_unknown_posts_have_none(client) -> None:
    page = soup(client.http.get(f"/posts/{SLUG}").body)
    alternates = [link["href"] for link in page.find_all("link", rel="alternate")]
    assert f"/posts/{SLUG}/comments.xml" in alternates
    assert client.http.get("/posts/nope/comments.xml").status_code == 404
