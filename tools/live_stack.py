"""`make run`'s stack as a child process on free loopback ports: for its benchmark and tests."""

from __future__ import annotations

import contextlib
import http.client
import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.parse
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import yaml

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
SLUG = "machine-learning-skin-cancer-photos"
CACHE_TTL = 2.5  # the local stage's BLOG_CACHE_TTL, and a little more


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


@contextlib.contextmanager
def moto_server(keep_alive: bool = False) -> Iterator[str]:
    """A patched moto server in its own process on a free loopback port (its endpoint URL);
    with `keep_alive`, served by waitress, which keeps connections open as AWS does."""
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "tools.moto_patches", str(port)]
        + (["--keep-alive"] if keep_alive else []),
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert server.stdout is not None and server.stdout.readline().strip() == "ready"
        yield f"http://{HOST}:{port}"
    finally:
        server.terminate()
        server.wait(10)


def rss_bytes(pid: int) -> int:
    """Resident memory of a process, from /proc (Linux)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) * 1024
    return 0


class LiveStack:
    """`python -m tools.run_local` (as `make run`), its settings, and plain HTTP to it."""

    def __init__(self, workdir: Path | None = None, content: Path | None = None) -> None:
        self.workdir = Path(workdir or tempfile.mkdtemp(prefix="lambdapress-stack-"))
        self.port = free_port()
        self.url = f"http://{HOST}:{self.port}"
        self.token = f"stack-admin-token-{self.port}"
        self.env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "BLOG_"))}
        self.env.update(
            {
                "PORT": str(self.port),
                "BLOG_ADMIN_TOKEN": self.token,
                "NO_PROXY": "*",
                "LAMBDAPRESS_ENV_FILE": str(self.workdir / "env"),
                "BLOG_OUTBOX": str(self.workdir / "outbox"),
            }
        )
        if content is not None:  # the folder make run watches (default: the sample site)
            self.env["LAMBDAPRESS_CONTENT"] = str(content)
        self.cli_env: dict[str, str] = {}
        self.process: subprocess.Popen[str] | None = None
        self.output: list[str] = []

    # --- lifecycle ----------------------------------------------------------

    def start(self, seconds: float = 90) -> LiveStack:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "tools.run_local"],
            cwd=ROOT,
            env=self.env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        assert self.process.stdout is not None
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            line = self.process.stdout.readline()
            if not line:
                break
            self.output.append(line)
            if "Press Ctrl-C to stop." in line:
                break
        else:
            line = ""
        if not line:
            self.process.kill()
            raise RuntimeError("make run's stack did not start:\n" + "".join(self.output))
        # Keep reading its output, so that a full pipe never blocks it.
        self._drain = threading.Thread(target=self._read_output, daemon=True)
        self._drain.start()
        env_file = Path(self.env["LAMBDAPRESS_ENV_FILE"]).read_text()
        stack = dict(re.findall(r"^export (\w+)='?([^'\n]*)'?$", env_file, re.M))
        self.cli_env = {**self.env, **stack}  # what `source .local/env` gives a shell
        return self

    def _read_output(self) -> None:
        assert self.process is not None and self.process.stdout is not None
        for line in self.process.stdout:
            self.output.append(line)

    @property
    def outbox(self) -> Path:
        return Path(self.env["BLOG_OUTBOX"])

    def stop(self, sig: int = signal.SIGTERM, seconds: float = 20, keep: bool = False) -> float:
        """Signal the stack and wait for it: the seconds it took to exit (inf if killed)."""
        assert self.process is not None
        children = self.children()
        started = time.monotonic()
        if self.process.poll() is None:
            self.process.send_signal(sig)
        try:
            self.process.wait(timeout=seconds)
            took = time.monotonic() - started
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
            took = float("inf")
            for child in children:  # chalice local, which the killed stack could not stop
                with contextlib.suppress(ProcessLookupError):
                    os.kill(child, signal.SIGKILL)
        self._drain.join(timeout=5)
        if not keep:  # keep: a restart in the same workdir finds the data it saved
            shutil.rmtree(self.workdir, ignore_errors=True)
        return took

    def __enter__(self) -> LiveStack:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.stop()

    def children(self) -> list[int]:
        """The stack's child processes (chalice local)."""
        path = Path(f"/proc/{self.pid}/task/{self.pid}/children")
        return [int(p) for p in path.read_text().split()] if path.exists() else []

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def set_comment_policy(self, **settings: Any) -> None:
        """Republish the sample site with these comment settings; wait until they are read."""
        content = self.workdir / "content"
        shutil.rmtree(content, ignore_errors=True)
        shutil.copytree(ROOT / "content", content)
        site = yaml.safe_load((content / "site.yaml").read_text())
        site["comments"].update(settings)
        (content / "site.yaml").write_text(yaml.safe_dump(site))
        subprocess.run(
            [
                sys.executable,
                "-m",
                "chalicelib.cli",
                "publish",
                str(content),
                "--site-url",
                self.url,
            ],
            cwd=ROOT,
            env=self.cli_env,
            check=True,
            capture_output=True,
        )
        time.sleep(CACHE_TTL)

    # --- HTTP ---------------------------------------------------------------

    def request(
        self,
        method: str,
        path: str,
        body: dict[str, Any] | None = None,
        headers: dict[str, str] | None = None,
        timeout: float = 60,
    ) -> tuple[int, Any]:
        """One request on its own connection: (status, JSON body or None)."""
        conn = http.client.HTTPConnection(HOST, self.port, timeout=timeout)
        try:
            conn.request(
                method,
                path,
                body=json.dumps(body).encode() if body is not None else None,
                headers={"Content-Type": "application/json", **(headers or {})},
            )
            response = conn.getresponse()
            data = response.read()
        finally:
            conn.close()
        try:
            return response.status, json.loads(data) if data else None
        except ValueError:
            return response.status, None

    def post_comment(
        self, body: str, key: str | None = None, slug: str = SLUG, email: str = "load@example.org"
    ) -> tuple[int, Any]:
        headers = {"Idempotency-Key": key} if key else {}
        payload = {"author": "Load Test", "email": email, "body": body}
        return self.request("POST", f"/api/posts/{slug}/comments", payload, headers)

    def admin_comments(self, status: str) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = []
        cursor = ""
        while True:
            path = f"/api/admin/comments?status={status}&limit=200"
            code, data = self.request(
                "GET",
                path + (f"&cursor={urllib.parse.quote(cursor)}" if cursor else ""),
                headers={"Authorization": f"Bearer {self.token}"},
            )
            assert code == 200, (code, data)
            found.extend(data["comments"])
            cursor = data.get("next_cursor") or ""
            if not cursor:
                return found
