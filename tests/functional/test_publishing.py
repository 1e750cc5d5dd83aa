"""Publishing: validate everything first, upload only what changed, never half-publish."""

from __future__ import annotations

import pytest

from chalicelib import cli, deps
from chalicelib.posts.publishing import PublishError, load_content, publish
from chalicelib.posts.store import INDEX_KEY, SITE_KEY


def test_a_malformed_post_publishes_nothing_and_names_file_and_field(aws, content, capsys) -> None:
    (content / "posts" / "broken.md").write_text("---\ntitle: T\ndate: someday\n---\nBody\n")
    with pytest.raises(PublishError) as err:
        load_content(content)
    messages = [str(e) for e in err.value.errors]
    assert any("broken.md: date" in m for m in messages), messages
    assert cli.main(["publish", str(content)]) == 1
    stderr = capsys.readouterr().err
    assert "broken.md: date: must be a date written YYYY-MM-DD" in stderr
    assert "Nothing was published." in stderr
    assert deps.posts().source_etags() == {}
    assert deps.posts().read_source(INDEX_KEY) is None
    assert deps.posts().read_source(SITE_KEY) is None


def test_every_problem_is_reported_at_once(aws, content) -> None:
    (content / "posts" / "one.md").write_text("---\ntitle: T\n---\nBody\n")
    (content / "posts" / "Two.md").write_text("---\ntitle: T\n---\nBody\n")
    with pytest.raises(PublishError) as err:
        load_content(content)
    # Two.md: its name and three missing fields; one.md: three missing fields.
    assert len(err.value.errors) == 7
    assert {e.source.rsplit("/", 1)[-1] for e in err.value.errors} == {"one.md", "Two.md"}


def test_a_second_publish_uploads_only_what_changed(aws, content) -> None:
    first = publish(deps.posts(), load_content(content))
    assert len(first.uploaded) == 6  # four posts, the draft (for previews) and site.yaml
    path = content / "posts" / "sun-protection-advice-that-sticks.md"
    path.write_text(path.read_text().replace("teaspoon", "half teaspoon"))
    second = publish(deps.posts(), load_content(content))
    assert second.uploaded == ["posts/sun-protection-advice-that-sticks.md"]
    assert len(second.unchanged) == 3
    assert "half teaspoon" in (
        deps.posts().read_source("posts/sun-protection-advice-that-sticks.md") or ""
    )


def test_prune_unpublishes_deleted_files_and_a_new_draft_is_unpublished(aws, content) -> None:
    publish(deps.posts(), load_content(content))
    (content / "posts" / "reading-an-ecg-strip-quickly.md").unlink()
    kept = publish(deps.posts(), load_content(content))
    assert kept.removed == []
    assert deps.posts().index().get("reading-an-ecg-strip-quickly") is not None
    pruned = publish(deps.posts(), load_content(content), prune=True)
    assert pruned.removed == ["posts/reading-an-ecg-strip-quickly.md"]
    assert pruned.published == 3
    path = content / "posts" / "practise-suturing-at-home.md"
    path.write_text(
        path.read_text().replace(
            "tags: [procedures, training]", "tags: [procedures, training]\ndraft: true"
        )
    )
    drafted = publish(deps.posts(), load_content(content))
    assert "posts/practise-suturing-at-home.md" in drafted.removed
    assert deps.posts().index().get("practise-suturing-at-home") is None


def test_the_cli_publishes_and_reports_status(aws, content, capsys) -> None:
    assert cli.main(["publish", str(content), "--dry-run"]) == 0
    assert deps.posts().source_etags() == {}
    assert cli.main(["publish", str(content)]) == 0
    out = capsys.readouterr().out
    assert "4 post(s) published" in out
    assert "draft      wound-care-webinar-draft (not published)" in out
    assert cli.main(["status"]) == 0
    status = capsys.readouterr().out
    assert "4 post(s) published" in status
    assert "0 comment(s) awaiting moderation." in status


def test_new_scaffolds_a_valid_draft(content, capsys) -> None:
    assert (
        cli.main(
            [
                "new",
                "Hand hygiene audits that work",
                "--category",
                "Infection Control",
                "--tags",
                "audit, hygiene",
                "--content",
                str(content),
            ]
        )
        == 0
    )
    created = content / "posts" / "hand-hygiene-audits-that-work.md"
    loaded = load_content(content)
    post = loaded.posts["posts/hand-hygiene-audits-that-work.md"]
    assert post.draft is True
    assert [t.name for t in post.meta.tags] == ["audit", "hygiene"]
    assert cli.main(["new", "Hand hygiene audits that work", "--content", str(content)]) == 1
    assert created.exists()
