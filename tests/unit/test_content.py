"""Front matter, Markdown and the derived fields of a post."""

from __future__ import annotations

import datetime as dt

import pytest

from chalicelib.comments.rules import render_comment
from chalicelib.posts.frontmatter import parse_post
from chalicelib.posts.markdown import reading_minutes, render_post_body, summarize
from chalicelib.posts.model import ContentError, slug_from_filename

MINIMAL = """---
title: A title
date: 2026-11-20
author: Ann Author
category: General Dermatology
---
Body text here.
"""


def post_text(front: str, body: str = "Body text here.") -> str:
    return f"---\n{front}\n---\n{body}\n"


BASE = "title: T\ndate: 2026-11-20\nauthor: A\ncategory: C"


def test_a_minimal_post_gets_its_derived_fields() -> None:
    post = parse_post("posts/a-post.md", MINIMAL)
    meta = post.meta
    assert meta.slug == "a-post"
    assert meta.title == "A title"
    assert meta.date == dt.date(2026, 11, 20)
    assert meta.category_slug == "general-dermatology"
    assert meta.tags == ()
    assert meta.summary == "Body text here."
    assert meta.reading_minutes == 1
    assert meta.comments_open is True
    assert post.draft is False


@pytest.mark.parametrize(
    ("front", "field", "message"),
    [
        ("date: 2026-11-20\nauthor: A\ncategory: C", "title", "is required"),
        ("title: T\nauthor: A\ncategory: C", "date", "is required"),
        ("title: T\ndate: 20/11/2026\nauthor: A\ncategory: C", "date", "YYYY-MM-DD"),
        (BASE + "\ntags: 5", "tags", "list"),
        (BASE + "\nreading_minutes: 0", "reading_minutes", "at least 1"),
        (BASE + "\nreading_minutes: two", "reading_minutes", "whole number"),
        (BASE + "\ncomments: maybe", "comments", "open or closed"),
        (BASE + "\ndraft: perhaps", "draft", "true or false"),
        (BASE + "\ntittle: typo", "tittle", "not a known field"),
        (BASE + "\ncitation: {year: 2018, title: X}", "citation", "authors"),
        (BASE + "\ncitation: {authors: [A], year: 18, title: X}", "citation", "four-digit"),
        (BASE + "\ncitation: {authors: [A], year: 2018, title: X, doi: nope}", "citation", "DOI"),
        (BASE + "\ncitation: {authors: [A], year: 2018, title: X, isbn: 1}", "citation", "isbn"),
        (BASE + "\ntitle2: [unclosed", "front matter", "YAML"),
    ],
)
def test_a_malformed_post_names_its_file_and_field(front: str, field: str, message: str) -> None:
    with pytest.raises(ContentError) as err:
        parse_post("posts/bad.md", post_text(front))
    assert err.value.source == "posts/bad.md"
    assert err.value.field == field
    assert message in str(err.value)


def test_an_empty_body_is_refused() -> None:
    with pytest.raises(ContentError, match="body: is empty"):
        parse_post("posts/empty.md", post_text(BASE, body=""))


def test_a_file_without_front_matter_is_refused() -> None:
    with pytest.raises(ContentError, match="front matter"):
        parse_post("posts/plain.md", "Just text.\n")


@pytest.mark.parametrize("name", ["Bad.md", "-dash.md", "under_score.md", "sp ace.md", "é.md"])
def test_file_names_must_be_slugs(name: str) -> None:
    with pytest.raises(ContentError, match="slug"):
        slug_from_filename(f"posts/{name}")


@pytest.mark.parametrize(("words", "minutes"), [(0, 1), (1, 1), (200, 1), (201, 2), (600, 3)])
def test_reading_time_is_words_over_200_rounded_up_and_at_least_one(
    words: int, minutes: int
) -> None:
    assert reading_minutes(words) == minutes


def test_reading_minutes_in_front_matter_override_the_count() -> None:
    post = parse_post("posts/x.md", post_text(BASE + "\nreading_minutes: 7", "word " * 900))
    assert post.meta.reading_minutes == 7
    assert parse_post("posts/x.md", post_text(BASE, "word " * 900)).meta.reading_minutes == 5


def test_summary_is_the_first_fifty_words_unless_given() -> None:
    body = " ".join(f"w{i}" for i in range(80))
    post = parse_post("posts/x.md", post_text(BASE, body))
    assert post.meta.summary.split() == [f"w{i}" for i in range(49)] + ["w49…"]
    given = parse_post("posts/x.md", post_text(BASE + "\nsummary: Mine.", body))
    assert given.meta.summary == "Mine."
    assert summarize("short text") == "short text"


def test_summary_and_word_count_ignore_markup() -> None:
    body = "# Heading\n\n**Bold** and [a link](https://x.org)."
    post = parse_post("posts/x.md", post_text(BASE, body))
    assert post.meta.summary == "Heading Bold and a link."
    assert len(render_post_body(body)[1].split()) == 5


def test_tags_get_url_slugs_and_duplicates_collapse() -> None:
    post = parse_post("posts/x.md", post_text(BASE + "\ntags: [Stem cells, stem-cells, Alopecia]"))
    assert [(t.name, t.slug) for t in post.meta.tags] == [
        ("Stem cells", "stem-cells"),
        ("Alopecia", "alopecia"),
    ]


def test_a_citation_is_typed_and_its_doi_normalised() -> None:
    front = BASE + (
        "\ncitation:\n  authors: [A One, B Two]\n  year: 2018\n  title: Study\n"
        "  journal: J\n  volume: 29\n  issue: 5\n  pages: 431–440\n"
        "  doi: https://doi.org/10.1080/09546634.2016.1227419"
    )
    c = parse_post("posts/x.md", post_text(front)).meta.citation
    assert c is not None
    assert c.authors == ("A One", "B Two")
    assert (c.volume, c.issue, c.first_page, c.last_page) == ("29", "5", "431", "440")
    assert c.doi == "10.1080/09546634.2016.1227419"
    assert c.doi_url == "https://doi.org/10.1080/09546634.2016.1227419"


def test_markdown_renders_tables_and_footnotes() -> None:
    html, _ = render_post_body("| a | b |\n|---|---|\n| 1 | 2 |\n\nText.[^1]\n\n[^1]: Note.")
    assert "<table>" in html and "<td>1</td>" in html
    assert 'class="footnote-ref"' in html and "Note." in html


def test_body_headings_start_at_h2_so_the_page_has_one_h1() -> None:
    html, _ = render_post_body("# Top\n\n## Next")
    assert "<h1>" not in html
    assert "<h2>Top</h2>" in html


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        '<a href="javascript:alert(1)">x</a>',
        '<iframe src="https://evil.example"></iframe>',
    ],
)
def test_raw_html_in_a_post_passes_an_allow_list(hostile: str) -> None:
    html, _ = render_post_body(f"Text\n\n{hostile}\n")
    assert "<script" not in html
    assert "onerror" not in html
    assert "javascript:" not in html
    assert "<iframe" not in html


@pytest.mark.parametrize(
    ("body", "expected"),
    [
        ("*em* and **strong**", "<p><em>em</em> and <strong>strong</strong></p>"),
        ("`code`", "<p><code>code</code></p>"),
        ("> quoted", "<blockquote>\n<p>quoted</p>\n</blockquote>"),
        ("- one\n- two", "<ul>\n<li>one</li>\n<li>two</li>\n</ul>"),
        (
            "[site](https://example.org)",
            '<p><a href="https://example.org" rel="nofollow ugc noopener">site</a></p>',
        ),
        ("# not a heading", "<p># not a heading</p>"),
        ("![img](https://example.org/x.png)", "<p>!"),
    ],
)
def test_comment_markdown_is_a_small_subset(body: str, expected: str) -> None:
    assert render_comment(body).startswith(expected)


@pytest.mark.parametrize(
    "hostile",
    [
        "<script>alert(1)</script>",
        "<b onmouseover=alert(1)>x</b>",
        "[x](javascript:alert(1))",
        "[x](data:text/html;base64,PHNjcmlwdD4=)",
        '<a href="https://x.org">raw</a>',
    ],
)
def test_comment_html_is_inert(hostile: str) -> None:
    html = render_comment(hostile)
    assert "<script" not in html
    assert "<b " not in html
    assert 'href="javascript' not in html
    assert 'href="data' not in html
    assert '<a href="https://x.org">' not in html
