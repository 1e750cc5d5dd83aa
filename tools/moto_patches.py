"""moto's DynamoDB patched for `make run`: serialised, costing what a call touches, no leaks.

Applied by `tools.run_local` to its embedded moto server only (tests use moto as it
is). Each patch answers one way moto 5.2.5 differs from DynamoDB under concurrent
requests; the README's "What make run patches in moto, and why" says which and why.

- One lock around every DynamoDB request: moto takes none, so a transaction copying
  and restoring a table races with other writes (lost or doubled writes, RuntimeErrors).
- A transaction's rollback restores only the items it touched: moto deep-copies every
  table in the transaction first, at a cost growing with the table.
- A Query on the table reads only its partition: moto walks every item of the table.
- DynamoDB's model objects are not recorded: moto keeps every instance it ever made
  (for its /moto-api/data.json dump), including each item of every table copy and of
  every Query result, so memory grows without bound.
- The stream keeps its latest records only: moto keeps every record of every write.
"""

from __future__ import annotations

import copy
import functools
import threading
import types
from typing import Any

import moto

PATCHED_VERSION = "5.2.5"
STREAM_RECORDS_KEPT = 1000

_installed = False
_partition = threading.local()
# Reentrant: a transaction's own puts and updates go through the same backend.
dynamodb_lock = threading.RLock()


def install() -> list[str]:
    """Apply the patches once; the names of those applied (fewer on another moto version)."""
    global _installed
    if _installed:
        return []
    _installed = True
    applied = [_serialise_requests()]
    if moto.__version__ != PATCHED_VERSION:
        # The others replace moto internals read from 5.2.5's source: the lock alone is safe.
        return applied
    applied += [
        _untrack_dynamodb_models(),
        _touched_items_rollback(),
        _partition_queries(),
        _bounded_stream(),
    ]
    return applied


def _serialise_requests() -> str:
    from moto.dynamodb.responses import DynamoHandler

    call_action = DynamoHandler.call_action

    @functools.wraps(call_action)
    def locked_call_action(self: Any) -> Any:
        # The whole request, answer included: moto serialises live items after the
        # backend call returns, and a concurrent update changes them in place.
        with dynamodb_lock:
            return call_action(self)

    DynamoHandler.call_action = locked_call_action  # type: ignore[method-assign]
    return "one lock around every DynamoDB request"


def _untrack_dynamodb_models() -> str:
    from moto.core.common_models import BaseModel

    def new(cls: type, *args: Any, **kwargs: Any) -> Any:
        instance: Any = object.__new__(cls)
        if not cls.__module__.startswith("moto.dynamodb."):
            cls.instances_tracked.append(instance)  # type: ignore[attr-defined]
        return instance

    BaseModel.__new__ = new  # type: ignore[method-assign]
    return "DynamoDB's model objects are not recorded"


class _TablesNotCopied(types.ModuleType):
    """moto.dynamodb.models' `copy`, except that a Table "copy" is the table itself.

    moto's transact_write_items deep-copies each table it touches to restore it on
    failure; `_rollback_touched_items` restores the touched items instead.
    """

    def __init__(self) -> None:
        super().__init__("copy")

    def __getattr__(self, name: str) -> Any:
        return getattr(copy, name)

    def deepcopy(self, value: Any, memo: Any = None) -> Any:
        from moto.dynamodb.models.table import Table

        return value if isinstance(value, Table) else copy.deepcopy(value, memo)


def _touched_items_rollback() -> str:
    from moto.dynamodb import models

    transact_write_items = models.DynamoDBBackend.transact_write_items

    @functools.wraps(transact_write_items)
    def transact_with_item_rollback(self: Any, transact_items: list[dict[str, Any]]) -> None:
        with dynamodb_lock:
            saved = _save_touched(self, transact_items)
            try:
                transact_write_items(self, transact_items)
            except BaseException:
                _restore(saved)
                raise

    models.copy = _TablesNotCopied()
    models.DynamoDBBackend.transact_write_items = transact_with_item_rollback  # type: ignore[method-assign]
    return "a failed transaction restores only the items it touched"


Snapshot = tuple[Any, Any, Any, Any]  # table, hash key, range key, the item's copy or None


def _save_touched(backend: Any, transact_items: list[dict[str, Any]]) -> dict[str, Any]:
    """A copy of each item the transaction names (None: absent), and each stream's position."""
    from moto.dynamodb.models.dynamo_type import DynamoType

    items: dict[tuple[str, str, str], Snapshot] = {}
    streams: dict[str, tuple[Any, int]] = {}
    for entry in transact_items:
        try:
            (op,) = entry.values()
            table = backend.tables[op["TableName"]]
            key = op["Item"] if "Item" in op else op["Key"]
            hash_key = DynamoType(key[table.hash_key_attr])
            range_key = DynamoType(key[table.range_key_attr]) if table.range_key_attr else None
        except (KeyError, TypeError, ValueError, AttributeError):
            continue  # moto rejects the entry before changing anything
        found = (op["TableName"], str(hash_key), str(range_key))
        if found not in items:
            current = table.get_item(hash_key, range_key)
            items[found] = (table, hash_key, range_key, copy.deepcopy(current))
        shard = table.stream_shard
        if shard is not None and table.name not in streams:
            streams[table.name] = (shard, shard.starting_sequence_number + len(shard.items))
    return {"items": list(items.values()), "streams": list(streams.values())}


def _restore(saved: dict[str, Any]) -> None:
    for table, hash_key, range_key, item in saved["items"]:
        if range_key is None:
            if item is None:
                table.items.pop(hash_key, None)
            else:
                table.items[hash_key] = item
        elif item is None:
            partition = table.items.get(hash_key)
            if partition is not None:
                partition.pop(range_key, None)
                if not partition:
                    del table.items[hash_key]
        else:
            table.items[hash_key][range_key] = item
    # A cancelled transaction leaves no stream records, as when moto restored the table.
    for shard, next_sequence in saved["streams"]:
        kept = max(next_sequence - shard.starting_sequence_number, 0)
        del shard.items[kept:]


def _partition_queries() -> str:
    from moto.dynamodb.models.table import Table

    query = Table.query
    all_items = Table.all_items

    @functools.wraps(query)
    def partition_query(self: Any, hash_key: Any, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        if index_name or hash_key is None:
            return query(self, hash_key, *args, **kwargs)
        _partition.key = hash_key
        try:
            return query(self, hash_key, *args, **kwargs)
        finally:
            _partition.key = None

    @functools.wraps(all_items)
    def partition_items(self: Any) -> list[Any]:
        hash_key = getattr(_partition, "key", None)
        if hash_key is None:
            return all_items(self)
        partition = self.items.get(hash_key)  # .get: items is a defaultdict
        if partition is None:
            return []
        return list(partition.values()) if self.range_key_attr else [partition]

    Table.query = partition_query  # type: ignore[method-assign]
    Table.all_items = partition_items  # type: ignore[method-assign]
    return "a Query on a table reads only its partition"


def _bounded_stream() -> str:
    from moto.dynamodb.models.table import StreamShard

    add = StreamShard.add

    @functools.wraps(add)
    def bounded_add(self: Any, old: Any, new: Any) -> None:
        add(self, old, new)
        extra = len(self.items) - STREAM_RECORDS_KEPT
        if extra > 0:
            # Sequence numbers go on from where they were: moto's are list positions.
            del self.items[:extra]
            self.starting_sequence_number += extra

    StreamShard.add = bounded_add  # type: ignore[method-assign]
    return f"a table's stream keeps its latest {STREAM_RECORDS_KEPT} records"


def main(argv: list[str]) -> int:
    """Serve a patched moto on a loopback port until killed:
    `python -m tools.moto_patches PORT [--keep-alive]`.

    moto's own server (werkzeug's) closes every connection after its answer; AWS's
    endpoints keep them open, and botocore reuses them. With --keep-alive (`make bench`)
    the same moto application is served by waitress, which keeps them open too, so a
    client's CPU per request is what it is against AWS, with no TCP connection per call.
    """
    import time

    install()
    port = int(argv[0])
    if "--keep-alive" in argv[1:]:
        import waitress
        from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

        server = waitress.create_server(
            DomainDispatcherApplication(create_backend_app), host="127.0.0.1", port=port, threads=4
        )
        print("ready", flush=True)
        server.run()  # until SIGTERM
        return 0
    from moto.server import ThreadedMotoServer

    ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False).start()
    print("ready", flush=True)
    while True:  # SIGTERM's default action ends the process
        time.sleep(3600)


if __name__ == "__main__":
    import sys

    sys.exit(main(sys.argv[1:]))
