"""`make run` keeps its data between runs: every object and item comes back as it was."""

from __future__ import annotations

from pathlib import Path

from chalicelib import deps, settings
from chalicelib.comments import table as t
from chalicelib.comments.store import CommentStore
from tests.functional.test_comment_store_contract import comment
from tools.local_state import LocalState


def test_the_table_and_bucket_come_back_with_binary_attributes(aws, tmp_path: Path) -> None:
    s = settings.current()
    ddb, s3 = deps.client("dynamodb"), deps.client("s3")
    store = CommentStore(ddb, s.table, page_size=lambda: 50)
    store.import_comment(comment(1, post="a-post"))  # stores a binary first page
    s3.put_object(Bucket=s.bucket, Key="media/a.png", Body=b"\x89PNG\x00")
    before = ddb.scan(TableName=s.table)["Items"]
    assert any("B" in v for i in before for v in i.values())
    state = LocalState(tmp_path, s.bucket, s.table)
    state.save()
    for i in before:
        ddb.delete_item(TableName=s.table, Key={"PK": i["PK"], "SK": i["SK"]})
    s3.delete_object(Bucket=s.bucket, Key="media/a.png")
    assert state.restore() == (1, len(before))
    key = lambda i: (i["PK"]["S"], i["SK"]["S"])  # noqa: E731
    assert sorted(ddb.scan(TableName=s.table)["Items"], key=key) == sorted(before, key=key)
    assert s3.get_object(Bucket=s.bucket, Key="media/a.png")["Body"].read() == b"\x89PNG\x00"
    assert t.first_page_key("a-post") in [{"PK": i["PK"], "SK": i["SK"]} for i in before]
