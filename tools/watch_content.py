"""Live preview under `make run`: republish the content folder when a file in it changes.

A small polling watcher (no dependency, works on every filesystem): every `interval`
seconds it compares each file's modification time and size; after a change it waits
for the folder to settle briefly, then calls `on_change`. `make run` passes a function
that validates and publishes only what changed; a file with errors prints its errors and
the published copy stays as it was.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path

Snapshot = dict[str, tuple[int, int]]


def snapshot(folder: Path) -> Snapshot:
    """Every file under `folder` (editors' swap and backup files left out)."""
    found: Snapshot = {}
    for path in folder.rglob("*"):
        name = path.name
        if name.startswith(".") or name.endswith(("~", ".swp", ".tmp")):
            continue
        try:
            stat = path.stat()
        except OSError:  # deleted between listing and stat
            continue
        if path.is_file():
            found[str(path)] = (stat.st_mtime_ns, stat.st_size)
    return found


class ContentWatcher:
    """Calls `on_change()` from its own thread after files under `folder` change."""

    def __init__(
        self,
        folder: Path,
        on_change: Callable[[], object],
        interval: float = 0.25,
        settle: float = 0.15,
    ) -> None:
        self.folder = folder
        self.on_change = on_change
        self.interval = interval
        self.settle = settle
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="content-watcher", daemon=True)

    def start(self) -> ContentWatcher:
        self._seen = snapshot(self.folder)
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            now = snapshot(self.folder)
            if now == self._seen:
                continue
            # An editor may write a file in several steps: wait until it stops changing.
            while not self._stop.wait(self.settle):
                later = snapshot(self.folder)
                if later == now:
                    break
                now = later
            self._seen = now
            try:
                self.on_change()
            except Exception as exc:
                print(f"error: republishing failed: {exc}", flush=True)
