"""The local stack's stream: reads the comment table's DynamoDB stream from the moto
server and invokes the notification handler with the records, as Lambda would.

Like Lambda's event source it takes up to 100 records at a time, in order, and when the
handler reports failed records (ReportBatchItemFailures) it retries from the first of them,
a few times, before giving up on them (here the "on-failure destination" is a log line).
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from pathlib import Path
from typing import Any

import boto3

from chalicelib.comments import table as t

log = logging.getLogger(__name__)
RETRIES = 3


def _as_lambda_delivers(record: dict[str, Any]) -> dict[str, Any]:
    """boto3 parses the creation time into a datetime; Lambda's event carries epoch seconds."""
    data = dict(record.get("dynamodb", {}))
    created = data.get("ApproximateCreationDateTime")
    if isinstance(created, dt.datetime):
        data["ApproximateCreationDateTime"] = created.timestamp()
    return {**record, "dynamodb": data}


class StreamPoller:
    """A daemon thread that polls the table's stream and hands batches to `invoke`."""

    def __init__(
        self,
        table: str,
        invoke: Callable[[dict[str, Any]], Any],
        outbox: Path | None = None,
        interval: float = 1.0,
    ) -> None:
        self.table = table
        self.invoke = invoke
        self.outbox = outbox
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="local-stream", daemon=True)

    def start(self) -> StreamPoller:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)

    def _iterators(self, streams: Any) -> list[str]:
        arn = boto3.client("dynamodb").describe_table(TableName=self.table)["Table"][
            "LatestStreamArn"
        ]
        shards = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"]
        return [
            streams.get_shard_iterator(
                StreamArn=arn, ShardId=s["ShardId"], ShardIteratorType="LATEST"
            )["ShardIterator"]
            for s in shards
        ]

    def _run(self) -> None:
        streams = boto3.client("dynamodbstreams")
        iterators = self._iterators(streams)
        while not self._stop.wait(self.interval):
            for n, iterator in enumerate(iterators):
                try:
                    resp = streams.get_records(ShardIterator=iterator, Limit=100)
                except Exception:  # the server is stopping, or a hiccup: try again next time
                    log.exception("could not read the comment stream")
                    continue
                iterators[n] = resp.get("NextShardIterator") or iterator
                # As the deployed event source's filter (table.stream_pattern): comments only.
                records = [
                    _as_lambda_delivers(r)
                    for r in resp.get("Records", [])
                    if t.is_comment(r["dynamodb"]["Keys"])
                ]
                if records:
                    self.deliver(records)

    def deliver(self, records: list[dict[str, Any]]) -> None:
        """One batch, retried from its first failed record, as the event source does."""
        before = self._emails()
        for attempt in range(RETRIES + 1):
            try:
                answer = self.invoke({"Records": records}) or {}
                failed = [f["itemIdentifier"] for f in answer.get("batchItemFailures", [])]
            except Exception:
                log.exception("the notification handler failed")
                failed = [records[0]["dynamodb"]["SequenceNumber"]]
            if not failed:
                break
            first = next(
                (i for i, r in enumerate(records) if r["dynamodb"]["SequenceNumber"] in failed), 0
            )
            records = records[first:]
            if attempt == RETRIES:
                print(f"Gave up on {len(records)} stream record(s) after {RETRIES} retries.")
        for path in sorted(self._emails() - before):
            print(f"Email written to {path}", flush=True)

    def _emails(self) -> set[Path]:
        return set(self.outbox.glob("*.eml")) if self.outbox and self.outbox.exists() else set()


def notification_handler() -> Callable[[dict[str, Any]], Any]:
    """The app's stream handler, called as Lambda calls it (event, context)."""
    from app import app

    handler = app.handler_map["notify"]
    return lambda event: handler(event, None)
