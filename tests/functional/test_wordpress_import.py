"""A WordPress export with three posts and a threaded discussion, imported into the stack."""

from __future__ import annotations

from chalicelib import cli, deps
from tests.conftest import ROOT
from tests.support import aws_calls, soup

EXPORT = ROOT / "examples" / "wordpress-export.xml"


def _pages() -> list[str]:
    """The posts whose first page of comments is stored."""
    items = deps.client("dynamodb").scan(TableName="lambdapress-test")["Items"]
    return [i["PK"]["S"] for i in items if i["SK"]["S"] == "!PAGE" and "page" in i]


def test_posts_and_threaded_comments_come_over_and_show_on_the_site(aws, content, capsys) -> None:
    from chalice.test import Client

    from app import app
    from tools import greedy_routes

    with aws_calls() as calls:
        assert cli.main(["import-wordpress", str(EXPORT), "--content", str(content)]) == 0
    out = capsys.readouterr().out
    assert "3 post(s) written, 0 kept; 4 comment(s) imported, 0 already there." in out
    # Each post's first page is read and stored once, at the end of its comments.
    assert calls["dynamodb.Query"] == 2 == len(set(_pages()))
    assert "skipped    About this blog: a page, not a post" in out
    written = (content / "posts" / "five-moments-revisited.md").read_text()
    assert "## What changed" in written and "<" not in written.split("---")[2]

    greedy_routes.install()
    with Client(app, stage_name="local", project_dir=str(ROOT)) as client:
        page = client.http.get("/posts/five-moments-revisited")
        assert page.status_code == 200
        doc = soup(page.body)
        title = "Five moments for hand hygiene, revisited"
        assert doc.find("h2", id="comments-title").get_text(strip=True) == (
            f"3 comments on “{title}”"
        )
        root = doc.select_one("ol.comment-list > li")
        assert "Sister Amara Obi" in root.select_one(".comment-author").get_text()
        reply = root.select_one("ol.children > li")
        assert "Rotating who updates it" in reply.get_text()
        nested = reply.select_one("ol.children > li")
        assert nested.select_one(".comment-body strong").get_text() == "we will try that"
        assert "amara.obi@example.org" not in page.body.decode()
        assert "Buy now" not in page.body.decode()  # spam stays behind
        sepsis = soup(client.http.get("/posts/sepsis-screening-donnees").body)
        assert "Zoë Ångström" in sepsis.select_one(".comment-author").get_text()
        assert sepsis.h1.get_text().endswith("données d’un hôpital régional")
        closed = soup(client.http.get("/posts/abcde-simulation").body)
        assert closed.select_one(".comments-closed") is not None
        assert client.http.get("/posts/about").status_code == 404


def test_importing_again_changes_nothing(aws, content, capsys) -> None:
    assert cli.main(["import-wordpress", str(EXPORT), "--content", str(content)]) == 0
    capsys.readouterr()
    files = {p.name: p.read_text() for p in (content / "posts").iterdir()}
    items = deps.client("dynamodb").scan(TableName="lambdapress-test")["Items"]
    assert cli.main(["import-wordpress", str(EXPORT), "--content", str(content)]) == 0
    out = capsys.readouterr().out
    assert "0 post(s) written, 3 kept; 0 comment(s) imported, 4 already there." in out
    assert {p.name: p.read_text() for p in (content / "posts").iterdir()} == files
    again = deps.client("dynamodb").scan(TableName="lambdapress-test")["Items"]
    key = lambda i: (i["PK"]["S"], i["SK"]["S"])  # noqa: E731
    assert sorted(again, key=key) == sorted(items, key=key)
    assert deps.comments().approved_count("five-moments-revisited") == 3


def test_a_missing_or_foreign_file_is_a_clear_error(aws, content, tmp_path, capsys) -> None:
    assert cli.main(["import-wordpress", str(tmp_path / "nope.xml")]) == 1
    assert "cannot read" in capsys.readouterr().err
    other = tmp_path / "feed.xml"
    other.write_text("<rss><channel><title>x</title></channel></rss>")
    assert cli.main(["import-wordpress", str(other), "--content", str(content)]) == 1
    assert "not a WordPress export" in capsys.readouterr().err


UPLOADS = ROOT / "examples" / "wordpress-uploads"


def test_images_come_over_from_the_uploads_folder_and_show_as_figures(aws, content, capsys) -> None:
    from chalice.test import Client

    from app import app
    from tools import greedy_routes

    args = ["import-wordpress", str(EXPORT), "--content", str(content), "--uploads", str(UPLOADS)]
    assert cli.main(args) == 0
    out = capsys.readouterr().out
    assert "image      2025/08/abcde-whiteboard.jpg (copied to media/)" in out
    assert "wp-content/uploads/gel.jpg (not in the uploads folder)" in out
    assert "abcde-simulation: http://wardround.example.org/" in out
    copied = content / "media" / "2025" / "08" / "abcde-whiteboard.jpg"
    assert copied.read_bytes() == (UPLOADS / "2025" / "08" / "abcde-whiteboard.jpg").read_bytes()
    assert not (content / "media" / "2025" / "08" / "abcde-whiteboard-300x200.jpg").exists()
    written = (content / "posts" / "abcde-simulation.md").read_text()
    assert "title: Teaching the ABCDE approach with simulation\n" in written
    assert "../media/2025/08/abcde-whiteboard.jpg" in written
    assert "monitor.jpg" not in written and "Bedside monitor" in written  # http: text only
    gel = (content / "posts" / "five-moments-revisited.md").read_text()
    assert (
        "[Gel dispenser at a bed](https://wardround.example.org/wp-content/uploads/gel.jpg)" in gel
    )

    greedy_routes.install()
    with Client(app, stage_name="local", project_dir=str(ROOT)) as client:
        page = soup(client.http.get("/posts/abcde-simulation").body)
        assert page.h1.get_text(" ", strip=True).count("min read") == 1
        figure = page.select_one(".post-body figure")
        assert figure.figcaption.get_text() == "The debrief board: one letter per step"
        img = figure.img
        assert (img["width"], img["height"]) == ("600", "400")
        assert img["alt"].startswith("Whiteboard listing airway")
        shown = client.http.get(img["src"], headers={"accept": "image/webp,*/*"})
        assert shown.status_code == 200 and shown.headers["Content-Type"] == "image/jpeg"


def test_a_missing_uploads_folder_is_refused_clearly(aws, content, capsys) -> None:
    args = ["import-wordpress", str(EXPORT), "--content", str(content), "--uploads", "/nowhere"]
    assert cli.main(args) == 1
    assert "--uploads /nowhere: no such folder" in capsys.readouterr().err
    assert not (content / "posts" / "abcde-simulation.md").exists()
