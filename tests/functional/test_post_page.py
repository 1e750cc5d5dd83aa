"""The post page carries every element of the reference page, found by parsing its HTML."""

from __future__ import annotations

import json

from tests.support import soup

SLUG = "machine-learning-skin-cancer-photos"


def page(client, path: str = f"/posts/{SLUG}"):
    response = client.http.get(path)
    assert response.status_code == 200, response.body[:500]
    return soup(response.body)


def test_the_submission_notice_comes_from_site_config(client) -> None:
    notice = page(client).select_one("aside.notice")
    assert notice is not None
    assert "Send a short pitch to" in notice.get_text()
    assert notice.find("a")["href"] == "mailto:editor@example.org"


def test_the_title_carries_the_reading_time_and_is_the_only_h1(client) -> None:
    doc = page(client)
    h1s = doc.find_all("h1")
    assert len(h1s) == 1
    assert " ".join(h1s[0].get_text().split()) == (
        "[2 min read] Can a neural network read a skin lesion as well as a dermatologist?"
    )
    assert doc.select_one("header time")["datetime"] == "2026-11-18"


def test_the_body_is_rendered_markdown(client) -> None:
    body = page(client).select_one(".post-body")
    assert [h.get_text() for h in body.find_all("h2")] == [
        "What the researchers did",
        "What they found",
        "What it does not tell us",
    ]
    assert body.find("table").find("td").get_text() == "Keratinocyte carcinomas"


def test_each_tag_links_to_its_archive(client) -> None:
    links = page(client).select(".tag-links a")
    assert [(a.get_text(), a["href"]) for a in links] == [
        ("Read more recent research on skin cancer", "/tags/skin-cancer"),
        ("Read more recent research on artificial intelligence", "/tags/artificial-intelligence"),
    ]


def test_the_citation_is_structured_with_its_doi_linked(client) -> None:
    cite = page(client).select_one(".citation cite")
    assert cite.select_one(".citation-year").get_text() == "2017"
    assert cite.select_one(".citation-journal").get_text() == "Nature"
    assert cite.select_one(".citation-volume").get_text() == "542"
    assert cite.select_one(".citation-issue").get_text() == "7639"
    assert cite.select_one(".citation-pages").get_text() == "115-118"
    doi = cite.select_one("a.citation-doi")
    assert doi["href"] == "https://doi.org/10.1038/nature21056"
    assert doi.get_text() == "10.1038/nature21056"
    assert cite.select_one(".citation-authors").get_text().startswith("Andre Esteva, Brett Kuprel")


def test_scholarly_meta_tags_describe_the_cited_study(client) -> None:
    doc = page(client)

    def meta(name: str) -> list[str]:
        return [m["content"] for m in doc.find_all("meta", attrs={"name": name})]

    assert meta("citation_title") == [
        "Dermatologist-level classification of skin cancer with deep neural networks"
    ]
    assert meta("citation_author")[:2] == ["Andre Esteva", "Brett Kuprel"]
    assert len(meta("citation_author")) == 7
    assert meta("citation_publication_date") == ["2017"]
    assert meta("citation_journal_title") == ["Nature"]
    assert meta("citation_volume") == ["542"]
    assert meta("citation_issue") == ["7639"]
    assert meta("citation_firstpage") == ["115"]
    assert meta("citation_lastpage") == ["118"]
    assert meta("citation_doi") == ["10.1038/nature21056"]


def test_canonical_opengraph_and_json_ld_use_the_site_url(client) -> None:
    doc = page(client)
    url = f"http://127.0.0.1:8000/posts/{SLUG}"
    assert doc.find("link", rel="canonical")["href"] == url
    assert doc.find("meta", property="og:url")["content"] == url
    assert doc.find("meta", property="og:type")["content"] == "article"
    data = json.loads(doc.find("script", type="application/ld+json").string)
    assert data["@type"] == "BlogPosting"
    assert data["url"] == url
    assert data["citation"]["sameAs"] == "https://doi.org/10.1038/nature21056"
    assert data["citation"]["identifier"]["value"] == "10.1038/nature21056"


def test_the_call_to_action_is_the_one_for_the_posts_category(client) -> None:
    cta = page(client).select_one("aside.call-to-action")
    assert cta.find("h2").get_text() == "Curious about skin medicine?"
    assert cta.find("a")["href"] == "https://example.org/courses/dermatology"
    other = page(client, "/posts/practise-suturing-at-home").select_one("aside.call-to-action")
    assert other.find("h2").get_text() == "Want steadier hands?"
    assert page(client, "/posts/reading-an-ecg-strip-quickly").select_one(".call-to-action") is None


def test_related_links_come_from_site_config(client) -> None:
    links = page(client).select("nav.related-links a")
    assert [a["href"] for a in links] == [
        "https://example.org/courses/procedures",
        "https://example.org/cpd",
    ]


def test_the_page_is_accessible_in_structure(client) -> None:
    doc = page(client)
    assert doc.html["lang"] == "en"
    skip = doc.find("a", class_="skip-link")
    assert skip["href"] == "#main" and doc.find("main")["id"] == "main"
    assert doc.find("header") and doc.find("footer") and doc.find("nav")
    assert doc.find("meta", attrs={"name": "viewport"})
    for field in ("author", "email", "url", "comment"):
        assert doc.find("label", attrs={"for": field}), field
    assert not doc.find("script", src=True), "no JavaScript is needed to read"


def test_the_comment_section_has_its_place(client) -> None:
    section = page(client).find("section", id="comments")
    assert section.find("h2", id="comments-title").get_text(strip=True) == "No comments yet"
    assert section.find("form")["action"] == f"/posts/{SLUG}/comments"


def test_a_closed_post_says_so_and_has_no_form(client) -> None:
    section = page(client, "/posts/reading-an-ecg-strip-quickly").find("section", id="comments")
    assert section.select_one(".comments-closed").get_text() == "Comments are closed."
    assert section.find("form") is None


def test_footnotes_and_tables_render_in_a_post(client) -> None:
    body = page(client, "/posts/practise-suturing-at-home").select_one(".post-body")
    assert body.select_one("sup.footnote-ref a")["href"].startswith("#fn")
    assert body.select_one("section.footnotes")
    assert len(body.find("table").find_all("tr")) == 4
