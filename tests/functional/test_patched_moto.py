"""`make run`'s patched moto server (tools/moto_patches.py): still correct, and exact."""

from __future__ import annotations

import http.client
import threading
from collections.abc import Iterator
from typing import Any
from urllib.parse import urlsplit

import boto3
import pytest
from botocore.config import Config
from botocore.exceptions import ClientError

from tools.live_stack import moto_server

TABLE = "patched"


@pytest.fixture(scope="module", params=["moto's server", "keep-alive"])
def endpoint(request: pytest.FixtureRequest) -> Iterator[str]:
    """A patched moto server in its own process: the patches never reach this one's moto.
    Either moto's own server (`make run`) or waitress keeping connections open (`make bench`)."""
    with moto_server(keep_alive=request.param == "keep-alive") as endpoint:
        yield endpoint


@pytest.fixture
def ddb(endpoint: str) -> Iterator[Any]:
    client = boto3.client(
        "dynamodb",
        endpoint_url=endpoint,
        config=Config(max_pool_connections=16, retries={"max_attempts": 1}),
    )
    client.create_table(
        TableName=TABLE,
        KeySchema=[
            {"AttributeName": "PK", "KeyType": "HASH"},
            {"AttributeName": "SK", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "PK", "AttributeType": "S"},
            {"AttributeName": "SK", "AttributeType": "S"},
            {"AttributeName": "G", "AttributeType": "S"},
        ],
        GlobalSecondaryIndexes=[
            {
                "IndexName": "ByG",
                "KeySchema": [{"AttributeName": "G", "KeyType": "HASH"}],
                "Projection": {"ProjectionType": "ALL"},
            }
        ],
        BillingMode="PAY_PER_REQUEST",
        StreamSpecification={"StreamEnabled": True, "StreamViewType": "NEW_AND_OLD_IMAGES"},
    )
    yield client
    client.delete_table(TableName=TABLE)


def key(pk: str, sk: str) -> dict[str, Any]:
    return {"PK": {"S": pk}, "SK": {"S": sk}}


def everything(client: Any) -> list[dict[str, Any]]:
    items = client.scan(TableName=TABLE, ConsistentRead=True)["Items"]
    return sorted(items, key=lambda item: (item["PK"]["S"], item["SK"]["S"]))


def stream_records(client: Any, endpoint: str) -> list[dict[str, Any]]:
    streams = boto3.client("dynamodbstreams", endpoint_url=endpoint)
    arn = client.describe_table(TableName=TABLE)["Table"]["LatestStreamArn"]
    shard = streams.describe_stream(StreamArn=arn)["StreamDescription"]["Shards"][0]
    iterator = streams.get_shard_iterator(
        StreamArn=arn, ShardId=shard["ShardId"], ShardIteratorType="TRIM_HORIZON"
    )["ShardIterator"]
    records: list[dict[str, Any]] = streams.get_records(ShardIterator=iterator)["Records"]
    return records


def test_a_cancelled_transaction_leaves_the_table_and_its_stream_exactly_as_before(
    ddb: Any, endpoint: str
) -> None:
    ddb.put_item(TableName=TABLE, Item={**key("P", "COUNT"), "n": {"N": "1"}})
    ddb.put_item(TableName=TABLE, Item={**key("P", "C#1"), "body": {"S": "first"}})
    ddb.put_item(TableName=TABLE, Item={**key("Q", "C#1"), "body": {"S": "elsewhere"}})
    before, records_before = everything(ddb), stream_records(ddb, endpoint)

    with pytest.raises(ClientError) as cancelled:
        ddb.transact_write_items(
            TransactItems=[
                {"Put": {"TableName": TABLE, "Item": {**key("P", "C#2"), "body": {"S": "new"}}}},
                {
                    "Update": {
                        "TableName": TABLE,
                        "Key": key("P", "COUNT"),
                        "UpdateExpression": "ADD n :one",
                        "ExpressionAttributeValues": {":one": {"N": "1"}},
                    }
                },
                {"Delete": {"TableName": TABLE, "Key": key("Q", "C#1")}},
                {
                    "Put": {
                        "TableName": TABLE,
                        "Item": {**key("P", "C#1"), "body": {"S": "overwritten"}},
                        "ConditionExpression": "attribute_not_exists(PK)",
                    }
                },
            ]
        )

    assert cancelled.value.response["Error"]["Code"] == "TransactionCanceledException"
    reasons = [r["Code"] for r in cancelled.value.response["CancellationReasons"]]
    assert reasons == ["None", "None", "None", "ConditionalCheckFailed"]
    assert everything(ddb) == before
    assert stream_records(ddb, endpoint) == records_before


def test_a_transaction_naming_one_item_twice_is_rejected_and_changes_nothing(ddb: Any) -> None:
    ddb.put_item(TableName=TABLE, Item={**key("P", "COUNT"), "n": {"N": "1"}})
    before = everything(ddb)
    update = {
        "TableName": TABLE,
        "Key": key("P", "COUNT"),
        "UpdateExpression": "ADD n :one",
        "ExpressionAttributeValues": {":one": {"N": "1"}},
    }
    with pytest.raises(ClientError) as rejected:
        ddb.transact_write_items(TransactItems=[{"Update": update}, {"Update": update}])
    assert rejected.value.response["Error"]["Code"] == "ValidationException"
    assert everything(ddb) == before


def test_concurrent_transactions_on_one_counter_give_the_exact_count(ddb: Any) -> None:
    threads, each = 8, 25
    errors: list[Exception] = []
    start = threading.Barrier(threads)

    def add_comments(worker: int) -> None:
        start.wait()
        for n in range(each):
            try:
                ddb.transact_write_items(
                    TransactItems=[
                        {
                            "Put": {
                                "TableName": TABLE,
                                "Item": {**key("P", f"C#{worker:02}-{n:03}"), "G": {"S": "all"}},
                                "ConditionExpression": "attribute_not_exists(PK)",
                            }
                        },
                        {
                            "Update": {
                                "TableName": TABLE,
                                "Key": key("P", "COUNT"),
                                "UpdateExpression": "ADD n :one",
                                "ExpressionAttributeValues": {":one": {"N": "1"}},
                            }
                        },
                    ]
                )
            except Exception as exc:
                errors.append(exc)

    workers = [threading.Thread(target=add_comments, args=(w,)) for w in range(threads)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join()

    assert errors == []
    counter = ddb.get_item(TableName=TABLE, Key=key("P", "COUNT"), ConsistentRead=True)["Item"]
    assert counter["n"]["N"] == str(threads * each)
    assert len(everything(ddb)) == threads * each + 1


def test_a_query_reads_its_partition_in_order_and_an_index_query_still_reads_the_table(
    ddb: Any,
) -> None:
    for pk in ("A", "B", "C"):
        for n in range(5):
            item = {**key(pk, f"C#{n}"), "G": {"S": "odd" if n % 2 else "even"}}
            ddb.put_item(TableName=TABLE, Item=item)
    query = {
        "TableName": TABLE,
        "KeyConditionExpression": "PK = :pk AND SK BETWEEN :lo AND :hi",
        "ExpressionAttributeValues": {
            ":pk": {"S": "B"},
            ":lo": {"S": "C#1"},
            ":hi": {"S": "C#3"},
        },
        "Limit": 2,
    }

    first = ddb.query(**query)
    rest = ddb.query(**query, ExclusiveStartKey=first["LastEvaluatedKey"])
    backwards = ddb.query(**query, ScanIndexForward=False)
    odd = ddb.query(
        TableName=TABLE,
        IndexName="ByG",
        KeyConditionExpression="G = :g",
        ExpressionAttributeValues={":g": {"S": "odd"}},
    )

    assert [i["SK"]["S"] for i in first["Items"] + rest["Items"]] == ["C#1", "C#2", "C#3"]
    assert {i["PK"]["S"] for i in first["Items"] + rest["Items"]} == {"B"}
    assert [i["SK"]["S"] for i in backwards["Items"]] == ["C#3", "C#2"]
    assert first["ScannedCount"] == 2
    assert sorted((i["PK"]["S"], i["SK"]["S"]) for i in odd["Items"]) == [
        (pk, f"C#{n}") for pk in "ABC" for n in (1, 3)
    ]
    assert (
        ddb.query(
            **{
                **query,
                "ExpressionAttributeValues": {
                    **query["ExpressionAttributeValues"],
                    ":pk": {"S": "none"},
                },
            }
        )["Items"]
        == []
    )


def test_the_keep_alive_server_answers_on_one_connection(
    endpoint: str, request: pytest.FixtureRequest
) -> None:
    """`make bench` measures a client's CPU per request as against AWS: no new TCP
    connection per call. moto's own server closes each one."""
    conn = http.client.HTTPConnection(urlsplit(endpoint).netloc)
    headers = {
        "X-Amz-Target": "DynamoDB_20120810.ListTables",
        "Content-Type": "application/x-amz-json-1.0",
        "Authorization": "AWS4-HMAC-SHA256 Credential=bench/20270101/us-east-1/dynamodb/"
        "aws4_request, SignedHeaders=host, Signature=0",
    }
    sockets, closes = [], []
    for _ in range(2):
        conn.request("POST", "/", body="{}", headers=headers)
        response = conn.getresponse()
        assert response.status == 200 and b"TableNames" in response.read()
        sockets.append(conn.sock)
        closes.append(response.getheader("Connection", "").lower() == "close")
    if request.node.callspec.params["endpoint"] == "keep-alive":
        assert sockets[0] is not None and sockets[0] is sockets[1]
        assert closes == [False, False]
    else:
        assert closes == [True, True]
