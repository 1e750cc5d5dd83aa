"""The comment section: threads, reply links, pages of comments, closing by age."""

from __future__ import annotations

import datetime as dt
from urllib.parse import parse_qs, urlsplit

from chalicelib import deps
from chalicelib.comments.model import Edit
from tests.functional.comment_helpers import SLUG, TITLE, heading
from tests.functional.test_comment_api import with_policy
from tests.functional.test_moderation_admin import add
from tests.support import soup


def approved(**kwargs):
    comment = add(email="known@example.org", **kwargs)
    if comment.status != "approved":
        deps.comments().set_status(comment.id, "approved")
    return deps.comments().get(comment.id)


def test_replies_nest_under_their_parents_oldest_first(client) -> None:
    root = approved(body="root", now=1_800_000_000)
    second_root = approved(body="second root", ip="192.0.2.2", now=1_800_000_010)
    reply = approved(body="reply", ip="192.0.2.3", now=1_800_000_020, parent_id=root.id)
    nested = approved(body="nested", ip="192.0.2.4", now=1_800_000_030, parent_id=reply.id)
    doc = soup(client.http.get(f"/posts/{SLUG}").body)
    top = doc.select("ol.comment-list > li")
    assert [li["id"] for li in top] == [f"comment-{root.id}", f"comment-{second_root.id}"]
    child = top[0].select_one("ol.children > li")
    assert child["id"] == f"comment-{reply.id}"
    assert child.select_one("ol.children > li")["id"] == f"comment-{nested.id}"
    assert heading(client.http.get(f"/posts/{SLUG}").body) == f"4 comments on “{TITLE}”"
    permalink = top[0].select_one("a.comment-permalink")
    assert permalink["href"] == f"#comment-{root.id}"
    assert permalink.find("time")["datetime"] == root.created_at


def test_author_links_are_nofollow_ugc(client) -> None:
    comment = approved(body="with a site")
    site = Edit(author=comment.author, url="https://reader.example.org", body=comment.body)
    deps.comments().edit(comment.id, site, at="2027-01-01T00:00:00.000Z")
    link = soup(client.http.get(f"/posts/{SLUG}").body).select_one(".comment-author a")
    assert link["href"] == "https://reader.example.org"
    assert set(link["rel"]) >= {"nofollow", "ugc"}


def test_reply_links_stop_at_the_thread_depth_and_deeper_replies_become_siblings(
    client, monkeypatch
) -> None:
    with_policy(monkeypatch, thread_depth=2)
    root = approved(body="root")
    reply = approved(body="reply", ip="192.0.2.2", now=1_800_000_020, parent_id=root.id)
    deeper = approved(body="deeper", ip="192.0.2.3", now=1_800_000_040, parent_id=reply.id)
    assert deeper.parent_id == root.id and deeper.depth == 1
    doc = soup(client.http.get(f"/posts/{SLUG}").body)
    assert doc.select_one(f"#comment-{root.id} > article .reply a")
    assert doc.select_one(f"#comment-{reply.id} > article .reply") is None
    reply_link = doc.select_one(f"#comment-{root.id} > article .reply a")["href"]
    assert reply_link == f"/posts/{SLUG}?replytocom={root.id}#respond"


def test_the_reply_link_opens_the_form_replying_to_that_comment(client) -> None:
    root = approved(body="root")
    doc = soup(client.http.get(f"/posts/{SLUG}?replytocom={root.id}").body)
    assert doc.find("h2", id="reply-title").get_text() == "Reply to Reader"
    assert doc.find("input", attrs={"name": "comment_parent"})["value"] == root.id
    plain = soup(client.http.get(f"/posts/{SLUG}?replytocom=unknown").body)
    assert plain.find("input", attrs={"name": "comment_parent"})["value"] == ""


def test_comments_are_paginated_with_links_both_ways(client, monkeypatch) -> None:
    with_policy(monkeypatch, page_size=3)
    ids = [
        approved(body=f"c{i}", ip=f"192.0.2.{i}", now=1_800_000_000 + 20 * i).id for i in range(7)
    ]

    def page(path: str):
        response = client.http.get(path)
        assert response.status_code == 200
        doc = soup(response.body)
        shown = [li["id"].removeprefix("comment-") for li in doc.select("li.comment")]
        links = {a.get_text(): a["href"] for a in doc.select(".comment-nav a")}
        return shown, links

    first, links = page(f"/posts/{SLUG}")
    assert first == ids[:3]
    assert "← Earlier comments" not in links
    second, links = page(
        urlsplit(links["Later comments →"]).path + "?" + urlsplit(links["Later comments →"]).query
    )
    assert second == ids[3:6]
    back = links["← Earlier comments"]
    third, third_links = page(
        urlsplit(links["Later comments →"]).path + "?" + urlsplit(links["Later comments →"]).query
    )
    assert third == ids[6:]
    assert "Later comments →" not in third_links
    again, _ = page(urlsplit(back).path + "?" + urlsplit(back).query)
    assert again == ids[:3]
    assert heading(client.http.get(f"/posts/{SLUG}").body) == f"7 comments on “{TITLE}”"


def test_a_forged_comment_cursor_is_a_404(client) -> None:
    assert client.http.get(f"/posts/{SLUG}?comments=forged.cursor").status_code == 404


def test_an_approved_comment_redirects_to_the_page_that_starts_with_it(client, monkeypatch) -> None:
    with_policy(monkeypatch, page_size=2)
    for i in range(3):
        approved(body=f"old {i}", ip=f"192.0.2.{i}", now=1_800_000_000 + 20 * i)
    from tests.conftest import Clock
    from tests.functional.comment_helpers import post_form

    clock = Clock(1_800_000_500)
    monkeypatch.setattr("chalicelib.views.post.now", clock)
    response = post_form(client, clock, email="known@example.org", comment="newest")
    location = response.headers["Location"]
    comment_id = location.rsplit("#comment-", 1)[1]
    assert "comments" in parse_qs(urlsplit(location).query)
    landed = soup(client.http.get(urlsplit(location).path + "?" + urlsplit(location).query).body)
    assert landed.select("li.comment")[0]["id"] == f"comment-{comment_id}"


def test_comments_close_after_the_configured_number_of_days(client, monkeypatch) -> None:
    age = (dt.datetime.now(dt.UTC).date() - dt.date(2026, 11, 10)).days  # the post's date
    with_policy(monkeypatch, close_after_days=1)
    page = soup(client.http.get("/posts/sun-protection-advice-that-sticks").body)
    assert page.select_one(".comments-closed").get_text() == "Comments are closed."
    assert (
        client.http.post(
            "/api/posts/sun-protection-advice-that-sticks/comments",
            headers={"content-type": "application/json"},
            body='{"author": "A", "email": "a@b.co", "body": "late"}',
        ).status_code
        == 403
    )
    with_policy(monkeypatch, close_after_days=age + 30)
    page = soup(client.http.get("/posts/sun-protection-advice-that-sticks").body)
    assert page.select_one(".comments-closed") is None
    assert page.find("form") is not None
