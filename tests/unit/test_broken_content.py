"""No content file, however broken, produces a traceback: every problem is one line."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from chalicelib import cli

GOOD_FRONT = "title: T\ndate: 2026-11-20\nauthor: A\ncategory: C"

BROKEN_POSTS: dict[str, bytes] = {
    "bad-yaml": b"---\ntitle: [unclosed\n---\nBody\n",
    "binary": bytes(range(256)) * 4,
    "empty": b"",
    "only-dashes": b"---\n---\n",
    "no-closing-line": b"---\ntitle: T\nBody\n",
    "a-list": b"---\n- one\n- two\n---\nBody\n",
    "a-scalar": b"---\njust words\n---\nBody\n",
    "wrong-types": b"---\ntitle: [a, b]\ndate: {y: 1}\nauthor: 5.5\ncategory: true\n"
    b"tags: {a: 1}\nreading_minutes: [1]\ncitation: [x]\ncomments: {}\ndraft: 1\n---\nBody\n",
    "bad-utf8": b"---\ntitle: caf\xe9\n---\nBody\n",
    "unquoted-bad-date": f"---\n{GOOD_FRONT.replace('-11-20', '-13-45')}\n---\nB\n".encode(),
    "bad-binary-tag": f"---\n{GOOD_FRONT}\nsummary: !!binary 'not base64!'\n---\nB\n".encode(),
    "integer-keys": f"---\n{GOOD_FRONT}\n1: one\n2: two\nzz: z\n---\nBody\n".encode(),
    "deep-nesting": b"---\ntitle: " + b"[" * 5000 + b"\n---\nBody\n",
    "nul-bytes": f"---\n{GOOD_FRONT}\nsummary: a\0b\n---\nBody\n".encode(),
    "python-tag": f"---\n{GOOD_FRONT}\nsummary: !!python/object:os.system ls\n---\nB\n".encode(),
}

LINE = re.compile(r"^\S+\.(md|yaml)(: [\w. \[\]-]+)?: .+$")


def _publish(content: Path, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    code = cli.main(["publish", str(content), "--dry-run"])
    return code, capsys.readouterr().err


@pytest.mark.parametrize("name", sorted(BROKEN_POSTS))
def test_a_broken_post_is_reported_in_lines_without_a_traceback(
    name: str, content: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (content / "posts" / f"{name}.md").write_bytes(BROKEN_POSTS[name])
    code, err = _publish(content, capsys)
    assert code == 1
    lines = err.splitlines()
    assert lines[-1] == "Nothing was published."
    assert lines[:-1], err
    for line in lines[:-1]:
        assert LINE.match(line), line
        assert f"{name}.md" in line


@pytest.mark.parametrize(
    "site",
    [b"", b"\xff\xfe", b"url: [", b"- a\n- b\n", b"title: 2026-13-45\nurl: 5\n", b"1: 2\n"],
)
def test_a_broken_site_yaml_is_reported_without_a_traceback(
    site: bytes, content: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (content / "site.yaml").write_bytes(site)
    code, err = _publish(content, capsys)
    assert code == 1
    assert err.splitlines()[-1] == "Nothing was published."
    assert "site.yaml" in err


def test_every_mistake_of_every_file_is_listed_at_once(
    content: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (content / "posts" / "one.md").write_text(
        "---\ntitle: T\ndate: 2026-13-45\ntittle: x\nreading_minutes: 0\n---\nBody\n"
    )
    (content / "posts" / "two.md").write_text(f"---\n{GOOD_FRONT}\ncomments: maybe\n---\n\n")
    code, err = _publish(content, capsys)
    assert code == 1
    assert err.splitlines() == [
        f"{content}/posts/one.md: tittle: is not a known field",
        f"{content}/posts/one.md: date: must be a date written YYYY-MM-DD",
        f"{content}/posts/one.md: author: is required",
        f"{content}/posts/one.md: category: is required",
        f"{content}/posts/one.md: reading_minutes: must be a whole number of at least 1",
        f"{content}/posts/two.md: comments: must be open or closed",
        f"{content}/posts/two.md: body: is empty",
        "Nothing was published.",
    ]
