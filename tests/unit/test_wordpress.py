"""WordPress HTML and shortcodes to Markdown; WXR parsing rules."""

from __future__ import annotations

import pytest

from chalicelib.importers.wordpress import comment_id
from chalicelib.importers.wxr import WxrError, parse_export, to_markdown
from chalicelib.signing import Signing
from tests.conftest import ROOT

EXPORT = (ROOT / "examples" / "wordpress-export.xml").read_text(encoding="utf-8")


@pytest.mark.parametrize(
    ("wp_html", "markdown"),
    [
        ("One.\n\nTwo.", "One.\n\nTwo.\n"),
        ("Line one\nline two", "Line one  \nline two\n"),
        ("<em>a</em> and <strong>b</strong>", "*a* and **b**\n"),
        ("<h2>Head</h2>\n<ul>\n<li>x</li>\n</ul>", "## Head\n\n- x\n"),
        ("[embed]https://v.example.org/x[/embed]", "<https://v.example.org/x>\n"),
        ('Text [gallery ids="1,2"]', "Text\n"),
        ("[unknown_thing]kept[/unknown_thing]", "kept\n"),
        ("[3 min read] stays", "[3 min read] stays\n"),
        ("<script>alert(1)</script>Safe", "Safe\n"),
    ],
)
def test_wordpress_html_becomes_clean_markdown(wp_html: str, markdown: str) -> None:
    assert to_markdown(wp_html) == markdown


def test_a_caption_shortcode_keeps_the_image_and_its_caption() -> None:
    md = to_markdown(
        '[caption id="a" width="600"]<img src="https://e.org/i.jpg" alt="Alt" /> '
        "The caption[/caption]"
    )
    assert md == '![Alt](https://e.org/i.jpg "The caption")\n'  # a figure with its caption


def test_a_linked_resized_image_in_a_caption_is_the_image_alone_in_its_paragraph() -> None:
    md = to_markdown(
        'Before.\n\n[caption id="a" caption="From the attribute"]<a href="https://e.org/x.jpg">'
        '<img class="size-medium" src="https://e.org/x-300x200.jpg" alt="Alt" width="300" />'
        "</a>[/caption]\n\nAfter."
    )
    assert md == 'Before.\n\n![Alt](https://e.org/x-300x200.jpg "From the attribute")\n\nAfter.\n'


@pytest.mark.parametrize(
    ("title", "slug"),
    [
        ("[3 min read] Stem cells", "stem-cells"),
        ("[12 Min Read]Audit", "audit"),
        ("Reading [3 min read] later", "reading-3-min-read-later"),
    ],
)
def test_a_reading_time_written_into_the_title_is_dropped_from_title_and_slug(
    title: str, slug: str
) -> None:
    from chalicelib.importers.wxr import _slug, strip_reading_time

    assert _slug("", strip_reading_time(title)) == slug
    assert _slug("3-min-read-" + slug, title) == slug
    assert not strip_reading_time(title).startswith("[")


def test_only_published_posts_and_approved_comments_come_over() -> None:
    posts, skipped = parse_export(EXPORT)
    assert [p.slug for p in posts] == [
        "five-moments-revisited",
        "sepsis-screening-donnees",
        "abcde-simulation",
    ]
    assert {(s.title, s.reason) for s in skipped} == {
        ("About this blog", "a page, not a post"),
        ("Unfinished thoughts on rota design", "status draft"),
    }
    first = posts[0]
    assert [c.wp_id for c in first.comments] == ["501", "502", "503"]  # no spam, no pingback
    assert first.author == "Dr Maja Lindqvist"  # the display name, not the login
    assert (first.category, first.tags) == ("Infection Control", ["hand hygiene", "audit"])
    assert posts[2].comments_open is False


def test_non_ascii_titles_authors_and_slugs() -> None:
    posts, _ = parse_export(EXPORT)
    sepsis = posts[1]
    assert sepsis.title == "Sepsis screening: données d’un hôpital régional"
    assert sepsis.author == "José Noël"
    assert sepsis.slug == "sepsis-screening-donnees"
    assert sepsis.comments[0].author == "Zoë Ångström"
    assert sepsis.date.isoformat() == "2025-05-06"  # from the GMT date
    assert sepsis.tags == ["sepsis", "Quality Improvement"]  # a second category becomes a tag


@pytest.mark.parametrize(
    ("text", "message"),
    [("<rss><channel></channel></rss>", "not a WordPress export"), ("<rss><chan", "well-formed")],
)
def test_what_is_not_a_wordpress_export_is_refused_clearly(text: str, message: str) -> None:
    with pytest.raises(WxrError, match=message):
        parse_export(text)


def test_entity_expansion_attacks_are_refused() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]>'
        "<rss><channel>&b;</channel></rss>"
    )
    with pytest.raises(Exception, match=r"(?i)entit"):
        parse_export(bomb)


def test_an_imported_website_that_is_not_http_is_dropped() -> None:
    from chalicelib.importers.wordpress import ImportReport, import_comments
    from tests.fakes import FakeCommentStore

    hostile = EXPORT.replace("https://amara.example.org", "javascript:alert(document.cookie)")
    posts, _ = parse_export(hostile)
    store = FakeCommentStore()
    import_comments(store, Signing("test key"), posts[:1], ImportReport())
    stored = list(store.comments.values())
    assert [c.url for c in stored] == ["", "", ""]
    assert "javascript" not in repr(stored)


def test_comment_ids_are_deterministic_and_ordered_by_time() -> None:
    import datetime as dt

    early = dt.datetime(2025, 1, 1, tzinfo=dt.UTC)
    late = dt.datetime(2025, 1, 2, tzinfo=dt.UTC)
    assert comment_id("p", "1", early) == comment_id("p", "1", early)
    assert comment_id("p", "1", early) != comment_id("q", "1", early)
    assert comment_id("p", "9", early) < comment_id("p", "1", late)
    assert len(comment_id("p", "1", early)) == 20
