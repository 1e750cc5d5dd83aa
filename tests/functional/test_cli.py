"""The CLI as a person at a terminal meets it: clear refusals, confirmations, quiet pipes."""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
from pathlib import Path

import pytest

from chalicelib import cli, deps
from chalicelib.comments.rules import validate
from chalicelib.comments.service import Context, submit
from tests.conftest import ROOT
from tests.support import soup

SLUG = "machine-learning-skin-cancer-photos"


def add(email: str, body: str, parent_id: str | None = None, ip: str = "192.0.2.1") -> str:
    sub, errors = validate(
        {"author": "Reader", "email": email, "body": body, "parent_id": parent_id}
    )
    assert not errors, errors
    meta = deps.posts().index().get(SLUG)
    assert meta is not None
    site = deps.posts().site()
    made = submit(deps.comments(), deps.signing(), site, meta, sub, Context(ip, 1_800_000_000))
    deps.comments().set_status(made.id, "approved")
    return made.id


def test_unpublishing_an_unknown_post_says_so_and_fails(published, capsys) -> None:
    assert cli.main(["unpublish", "no-such-post"]) == 1
    assert "no post 'no-such-post' is published" in capsys.readouterr().err
    assert cli.main(["unpublish", "reading-an-ecg-strip-quickly"]) == 0
    assert deps.posts().index().get("reading-an-ecg-strip-quickly") is None


@pytest.mark.parametrize(
    "argv", [["comments", "erase", "a@example.org"], ["comments", "delete", "0" * 20]]
)
def test_destructive_commands_refuse_without_a_terminal_or_yes(published, capsys, argv) -> None:
    kept = add("a@example.org", "Still here")
    assert cli.main(argv) == 1
    assert "pass --yes" in capsys.readouterr().err
    assert deps.comments().get(kept) is not None


def test_a_reply_to_an_erased_comment_stays_in_its_thread_under_comment_removed(
    client, capsys
) -> None:
    parent = add("gone@example.org", "Private words of the parent")
    reply = add("stays@example.org", "A reply that stays", parent_id=parent, ip="192.0.2.2")
    assert cli.main(["comments", "erase", "gone@example.org", "--yes"]) == 0
    assert "erased 1 comment(s)" in capsys.readouterr().out
    page = soup(client.http.get(f"/posts/{SLUG}").body)
    removed = page.find("li", id=f"comment-{parent}")
    assert "Comment removed" in removed.get_text()
    assert "Private words" not in page.get_text()
    assert removed.find("li", id=f"comment-{reply}") is not None  # nested, not top level
    assert "One comment on" in page.find("h2", id="comments-title").get_text()
    assert deps.comments().approved_count(SLUG) == 1


def test_every_option_and_argument_has_help() -> None:
    def walk(parser: argparse.ArgumentParser, where: str) -> list[str]:
        missing = []
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                for name, sub in action.choices.items():
                    missing += walk(sub, f"{where} {name}")
            elif not action.help:
                missing.append(f"{where} {action.dest}")
        return missing

    assert walk(cli.parser(), "lambdapress") == []


def test_without_a_region_or_local_stack_one_line_says_what_to_do(monkeypatch, capsys) -> None:
    for name in ("AWS_DEFAULT_REGION", "AWS_REGION", "AWS_ENDPOINT_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("AWS_CONFIG_FILE", "/nonexistent")
    deps.reset()
    assert cli.main(["status"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1
    assert "source .local/env" in err


def _cli(*argv: str, **kw: object) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "BLOG_"))}
    return subprocess.run(
        [sys.executable, "-m", "chalicelib.cli", *argv],
        cwd=ROOT,
        env={**env, "AWS_CONFIG_FILE": "/nonexistent", **kw.pop("env", {})},  # type: ignore[dict-item]
        text=True,
        timeout=60,
        **kw,  # type: ignore[call-overload]
    )


def test_a_pipe_closed_early_ends_quietly(content: Path) -> None:
    read_end, write_end = os.pipe()
    os.close(read_end)  # like `| head` that has already gone
    try:
        done = _cli("publish", str(content), "--dry-run", stdout=write_end, stderr=subprocess.PIPE)
    finally:
        os.close(write_end)
    assert "Traceback" not in done.stderr
    assert done.stderr == ""


def _on_pty(*argv: str, env: dict[str, str] | None = None) -> str:
    import pty

    pid, fd = pty.fork()
    if pid == 0:  # the child: the CLI on a terminal
        os.chdir(ROOT)
        clean = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "BLOG_"))}
        clean.pop("NO_COLOR", None)
        os.execve(  # noqa: S606 - the CLI itself, on the pty
            sys.executable,
            [sys.executable, "-m", "chalicelib.cli", *argv],
            {**clean, "AWS_CONFIG_FILE": "/nonexistent", **(env or {})},
        )
    chunks = []
    while True:
        try:
            data = os.read(fd, 4096)
        except OSError:
            break
        if not data:
            break
        chunks.append(data)
    os.waitpid(pid, 0)
    return b"".join(chunks).decode("utf-8", "replace")


def test_errors_are_coloured_on_a_terminal_only_and_never_with_no_color() -> None:
    assert "\033[1;31merror:" in _on_pty("status")
    assert "\033[" not in _on_pty("status", env={"NO_COLOR": "1"})
    piped = _cli("status", capture_output=True)
    assert piped.stderr.startswith("error: no stack to work on")


def test_progress_is_drawn_on_a_terminal_and_plain_lines_elsewhere(monkeypatch) -> None:
    import io

    from chalicelib.cli import output

    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    terminal = Terminal()
    monkeypatch.setattr(sys, "stderr", terminal)
    assert list(output.track(["a", "b"], "publishing")) == ["a", "b"]
    assert "publishing" in terminal.getvalue()
    plain = io.StringIO()
    monkeypatch.setattr(sys, "stderr", plain)
    assert list(output.track(["a"], "publishing")) == ["a"]
    assert plain.getvalue() == ""
