"""`make run` for authors and operators: live preview, the site's own URL, data kept."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from tools.live_stack import ROOT, SLUG, LiveStack

POST = "practise-suturing-at-home"


def eventually(check: Callable[[], bool], seconds: float) -> float:
    """Seconds until `check()` holds; fails after `seconds`."""
    started = time.monotonic()
    while not check():
        assert time.monotonic() - started < seconds, "timed out"
        time.sleep(0.1)
    return time.monotonic() - started


def page(stack: LiveStack, path: str) -> str:
    import urllib.request

    with urllib.request.urlopen(stack.url + path, timeout=30) as response:
        return str(response.read().decode())


def test_saving_a_post_republishes_it_and_a_broken_file_leaves_the_site_as_it_was(
    tmp_path: Path,
) -> None:
    content = tmp_path / "content"
    shutil.copytree(ROOT / "content", content)
    with LiveStack(tmp_path / "stack", content=content) as stack:
        path = content / "posts" / f"{POST}.md"
        path.write_text(re.sub(r"(?m)^title: .*$", "title: Edited live", path.read_text()))
        took = eventually(lambda: "Edited live" in page(stack, f"/posts/{POST}"), 10)
        assert took < 3, took
        path.write_text(path.read_text().replace("date: ", "date: 2026-13-45\nx: "))
        eventually(lambda: "Nothing was published." in "".join(stack.output), 10)
        assert f"{path}: date: must be a date written YYYY-MM-DD" in "".join(stack.output)
        assert "Edited live" in page(stack, f"/posts/{POST}")  # the published copy stays
        assert "Traceback" not in "".join(stack.output)


def test_a_publish_from_another_shell_keeps_the_running_sites_url(tmp_path: Path) -> None:
    with LiveStack(tmp_path / "stack") as stack:
        done = subprocess.run(
            [sys.executable, "-m", "chalicelib.cli", "publish", str(ROOT / "content")],
            cwd=ROOT,
            env=stack.cli_env,  # what `source .local/env` gives the other shell
            capture_output=True,
            text=True,
            timeout=60,
        )
        assert done.returncode == 0, done.stderr
        time.sleep(1)
        assert f'href="{stack.url}/posts/{SLUG}"' in page(stack, "/sitemap.xml").replace(
            "<loc>", 'href="'
        ).replace("</loc>", '"')


def test_comments_survive_a_restart_and_reset_starts_empty(tmp_path: Path) -> None:
    workdir = tmp_path / "stack"
    first = LiveStack(workdir).start()
    code, made = first.post_comment("Kept across restarts.", email="keep@example.org")
    assert code == 201, made
    first.stop(keep=True)
    second = LiveStack(workdir)
    second.port = first.port
    second.env.update(PORT=str(first.port), BLOG_ADMIN_TOKEN="")
    with second:
        assert "Restored" in "".join(second.output)
        second.token = re.search(r"Bearer \.\.\.\): (\S+)", "".join(second.output)).group(1)
        bodies = [c["body"] for c in second.admin_comments("pending")]
        assert "Kept across restarts." in bodies
        second.stop(keep=True)
    third = LiveStack(workdir)
    third.env["RESET"] = "1"
    with third:
        assert "Restored" not in "".join(third.output)
        assert third.admin_comments("pending") == []
