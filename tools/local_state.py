"""`make run`'s data kept across restarts: the bucket and table snapshotted to .local/state/.

moto 5's ThreadedMotoServer keeps everything in memory and has no persistence of its own,
so the stack saves what the bucket and table hold (periodically and when it stops) and
puts it back through boto3 when it starts: plain S3 puts and DynamoDB writes, which the
patched server (tools/moto_patches.py) serves like any other request. `make run RESET=1`
starts empty. The secret key and admin token are kept beside them: the comments' keyed
hashes and signed links need the same key after a restart.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import shutil
import threading
from pathlib import Path
from typing import Any

import boto3

SAVE_EVERY_SECONDS = 10.0
_FILE = "state.json"
_SECRETS = "secrets.json"


def _write_private(path: Path, text: str) -> None:
    """Write atomically (a crash never leaves half a snapshot), readable by the owner only."""
    tmp = path.with_suffix(".tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w", encoding="utf-8") as f:
        f.write(text)
    tmp.replace(path)


def kept_secrets(folder: Path, env: Any) -> None:
    """Reuse the secret key and admin token of the last run unless the environment sets them."""
    path = folder / _SECRETS
    saved: dict[str, str] = {}
    if path.exists():
        try:
            saved = json.loads(path.read_text(encoding="utf-8"))
        except ValueError:
            saved = {}
    for name, make in (
        ("BLOG_SECRET_KEY", lambda: secrets.token_urlsafe(48)),
        ("BLOG_ADMIN_TOKEN", lambda: secrets.token_urlsafe(24)),
    ):
        if not env.get(name):
            env[name] = saved.get(name) or make()
    folder.mkdir(parents=True, exist_ok=True)
    kept = {n: env[n] for n in ("BLOG_SECRET_KEY", "BLOG_ADMIN_TOKEN")}
    _write_private(path, json.dumps(kept))


def reset(folder: Path) -> None:
    shutil.rmtree(folder, ignore_errors=True)


def _portable(item: dict[str, Any]) -> dict[str, Any]:
    """An item as JSON can hold it: binary attributes (a post's stored first page of
    comments) in base64."""
    return {
        k: {"B": base64.b64encode(v["B"]).decode("ascii")} if "B" in v else v
        for k, v in item.items()
    }


def _typed(item: dict[str, Any]) -> dict[str, Any]:
    return {k: {"B": base64.b64decode(v["B"])} if "B" in v else v for k, v in item.items()}


class LocalState:
    """Snapshots of one bucket and one table in `folder`."""

    def __init__(self, folder: Path, bucket: str, table: str) -> None:
        self.folder = folder
        self.bucket = bucket
        self.table = table
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def _clients(self) -> tuple[Any, Any]:
        return boto3.client("s3"), boto3.client("dynamodb")

    def snapshot(self) -> dict[str, Any]:
        s3, dynamodb = self._clients()
        objects = []
        for page in s3.get_paginator("list_objects_v2").paginate(Bucket=self.bucket):
            for entry in page.get("Contents", []):
                obj = s3.get_object(Bucket=self.bucket, Key=entry["Key"])
                objects.append(
                    {
                        "key": entry["Key"],
                        "content_type": obj.get("ContentType", "binary/octet-stream"),
                        "body": base64.b64encode(obj["Body"].read()).decode("ascii"),
                    }
                )
        items: list[dict[str, Any]] = []
        for page in dynamodb.get_paginator("scan").paginate(TableName=self.table):
            items.extend(_portable(i) for i in page.get("Items", []))
        return {"version": 1, "objects": objects, "items": items}

    def save(self) -> None:
        with self._lock:
            data = self.snapshot()
            self.folder.mkdir(parents=True, exist_ok=True)
            _write_private(self.folder / _FILE, json.dumps(data))

    def restore(self) -> tuple[int, int]:
        """Put back the last snapshot (the bucket and table must exist): (objects, items)."""
        path = self.folder / _FILE
        if not path.exists():
            return 0, 0
        data = json.loads(path.read_text(encoding="utf-8"))
        s3, dynamodb = self._clients()
        for obj in data["objects"]:
            s3.put_object(
                Bucket=self.bucket,
                Key=obj["key"],
                Body=base64.b64decode(obj["body"]),
                ContentType=obj["content_type"],
            )
        items = data["items"]
        for start in range(0, len(items), 25):
            batch = [{"PutRequest": {"Item": _typed(i)}} for i in items[start : start + 25]]
            pending: dict[str, Any] = {self.table: batch}
            while pending:
                pending = dynamodb.batch_write_item(RequestItems=pending).get(
                    "UnprocessedItems", {}
                )
        return len(data["objects"]), len(items)

    def start_saving(self, every: float = SAVE_EVERY_SECONDS) -> None:
        """Save in the background every `every` seconds, until stop()."""

        def loop() -> None:
            while not self._stop.wait(every):
                try:
                    self.save()
                except Exception as exc:
                    print(f"warning: could not save the local data: {exc}", flush=True)

        self._thread = threading.Thread(target=loop, name="local-state", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        """Stop the background saves and save once more."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=5)
        self.save()
