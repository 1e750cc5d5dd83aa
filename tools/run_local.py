"""`make run`: moto (unless AWS_ENDPOINT_URL is set), resources, sample content, chalice local."""

from __future__ import annotations

import logging
import os
import secrets
import shlex
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from types import FrameType
from typing import Any

from tools import local_state
from tools.local_state import LocalState
from tools.watch_content import ContentWatcher

ROOT = Path(__file__).resolve().parent.parent
HOST = "127.0.0.1"
CONTENT = Path(os.environ.get("LAMBDAPRESS_CONTENT") or ROOT / "content")


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        # As the server will: connections lingering in TIME_WAIT do not make a port busy.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((HOST, port))
        except OSError:
            return False
    return True


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((HOST, 0))
        return int(sock.getsockname()[1])


def _wait_for(port: int, proc: subprocess.Popen[Any], seconds: float = 30) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            if sock.connect_ex((HOST, port)) == 0:
                return True
        time.sleep(0.1)
    return False


LOCAL_VARIABLES = (
    "AWS_ENDPOINT_URL",
    "AWS_DEFAULT_REGION",
    "AWS_ACCESS_KEY_ID",
    "AWS_SECRET_ACCESS_KEY",
    "BLOG_BUCKET",
    "BLOG_TABLE",
    "BLOG_SECRET_KEY",
    "BLOG_ADMIN_TOKEN",
    "BLOG_SITE_URL",  # the running site's own URL: publish from another shell keeps it
    "BLOG_NOTIFY_FROM",
    "BLOG_OUTBOX",
)


def _env_path(env: Any) -> Path:
    return Path(env.get("LAMBDAPRESS_ENV_FILE") or ROOT / ".local" / "env").resolve()


def _write_env_file(env: Any) -> Path:
    """The stack's settings for the CLI in another shell (`source .local/env`); git-ignored."""
    path = _env_path(env)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.touch(mode=0o600)
    path.chmod(0o600)
    path.write_text(
        "".join(f"export {name}={shlex.quote(env[name])}\n" for name in LOCAL_VARIABLES)
    )
    return path


def _local_state(env: Any, kept: bool) -> LocalState | None:
    """The embedded server's data, kept in .local/state/ beside the env file (RESET=1: empty).
    None when the stack uses an endpoint of its own, which keeps its own data."""
    if not kept:
        return None
    folder = _env_path(env).parent / "state"
    if env.get("RESET") not in (None, "", "0"):
        local_state.reset(folder)
        print(f"RESET: starting empty (removed {folder}).")
    local_state.kept_secrets(folder, env)
    return LocalState(folder, env["BLOG_BUCKET"], env["BLOG_TABLE"])


def _restore(state: LocalState | None) -> bool:
    if state is None:
        return True
    try:
        objects, items = state.restore()
    except (OSError, ValueError, KeyError) as exc:
        print(
            f"error: cannot restore the local data in {state.folder}: {exc}. "
            "Start empty with: make run RESET=1",
            file=sys.stderr,
        )
        return False
    if objects or items:
        print(f"Restored {objects} object(s) and {items} item(s) from {state.folder}.")
    return True


def _save(state: LocalState) -> None:
    try:
        state.stop()
        print(f"Saved the local data in {state.folder}.", flush=True)
    except Exception as exc:
        print(f"warning: could not save the local data: {exc}", file=sys.stderr, flush=True)


def _state_line(state: LocalState | None) -> str:
    if state is None:
        return ""
    return f"  Data kept in {state.folder} (make run RESET=1 starts empty).\n"


def _republish(publish: list[str]) -> None:
    """Live preview: validate and publish what changed; errors leave the site as it was."""
    from chalicelib import cli

    print(time.strftime("%H:%M:%S") + " content changed: republishing", flush=True)
    cli.main(publish)
    sys.stdout.flush()


def main() -> int:
    port = int(os.environ.get("PORT", "8000"))
    if not _port_free(port):
        print(
            f"error: port {port} on {HOST} is already in use. Stop whatever is using it, "
            f"or choose another port: make run PORT=8001",
            file=sys.stderr,
        )
        return 1
    env = os.environ
    moto_server = None
    if env.get("AWS_ENDPOINT_URL"):
        print(f"Using the AWS endpoint at {env['AWS_ENDPOINT_URL']} (no embedded moto server).")
    else:
        from moto.server import ThreadedMotoServer

        from tools import moto_patches

        logging.getLogger("werkzeug").setLevel(logging.WARNING)  # no log line per AWS call
        moto_patches.install()  # DynamoDB under concurrency, as the README says

        moto_port = _free_port()
        moto_server = ThreadedMotoServer(ip_address=HOST, port=moto_port, verbose=False)
        moto_server.start()
        env["AWS_ENDPOINT_URL"] = f"http://{HOST}:{moto_port}"
        print(f"Started an embedded moto server at {env['AWS_ENDPOINT_URL']}.")
    env.setdefault("AWS_DEFAULT_REGION", "us-east-1")
    env.setdefault("AWS_ACCESS_KEY_ID", "local")
    env.setdefault("AWS_SECRET_ACCESS_KEY", "local")
    env.setdefault("BLOG_BUCKET", "lambdapress-local")
    env.setdefault("BLOG_TABLE", "lambdapress-local")
    state = _local_state(env, kept=moto_server is not None)
    env.setdefault("BLOG_SECRET_KEY", secrets.token_urlsafe(48))
    if not env.get("BLOG_ADMIN_TOKEN"):
        env["BLOG_ADMIN_TOKEN"] = secrets.token_urlsafe(24)
    # No SES here: notification emails are written to the outbox as .eml files.
    env.setdefault("BLOG_NOTIFY_FROM", "notifications@localhost")
    env.setdefault("BLOG_OUTBOX", str(ROOT / ".local" / "outbox"))
    url = f"http://{HOST}:{port}"
    env["BLOG_SITE_URL"] = url
    env_file = _write_env_file(env)

    from chalicelib import cli

    publish = ["publish", str(CONTENT), "--site-url", url]
    if cli.main(["create-resources"]) != 0 or not _restore(state) or cli.main(publish) != 0:
        if moto_server:
            moto_server.stop()
        return 1
    watcher = ContentWatcher(CONTENT, lambda: _republish(publish)).start()
    if state:
        state.start_saving()

    from tools.local_stream import StreamPoller, notification_handler

    poller = StreamPoller(env["BLOG_TABLE"], notification_handler(), Path(env["BLOG_OUTBOX"]))
    poller.start()
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "tools.chalice_local",
            "local",
            "--stage",
            "local",
            "--host",
            HOST,
            "--port",
            str(port),
            "--no-autoreload",
        ],
        cwd=ROOT,
        env=env,
    )

    def on_signal(signum: int, frame: FrameType | None) -> None:
        # Only ask the server to stop here: the main thread, waiting on it, cleans up.
        if server.poll() is None:
            server.terminate()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        if not _wait_for(port, server):
            print("error: chalice local did not start; see the messages above.", file=sys.stderr)
            return 1
        print(
            "\n"
            f"  lambdapress is running at {url}/\n"
            f"  Admin token (Authorization: Bearer ...): {env['BLOG_ADMIN_TOKEN']}\n"
            f"  CLI against this stack, in another terminal: "
            f'source {env_file} && make cli ARGS="status"\n'
            f"  Watching {CONTENT} for changes: saved files are republished at once.\n"
            f"{_state_line(state)}"
            f"  Sign in to moderate at {url}/admin/login; emails go to {env['BLOG_OUTBOX']}/\n"
            "  Press Ctrl-C to stop.\n",
            flush=True,
        )
        # Not server.wait(): the kernel may deliver SIGTERM to a thread of the moto
        # server, and a main thread blocked in waitpid would never run the handler.
        while server.poll() is None:
            time.sleep(0.2)
        return 0
    finally:
        watcher.stop()
        if server.poll() is None:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
        poller.stop()
        if state:
            _save(state)
        if moto_server:
            moto_server.stop()
        print("lambdapress stopped.", flush=True)


if __name__ == "__main__":
    sys.exit(main())
