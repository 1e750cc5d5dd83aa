"""Create the bucket and table where they are missing: the local stack and tests
(deployed stages get theirs from the template)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import ClientError

from chalicelib import deps, settings
from chalicelib.comments.table import TTL_ATTRIBUTE, table_definition


def create_resources() -> list[str]:
    """Create the bucket and table if missing; return what was made."""
    s = settings.current()
    s3, ddb = deps.client("s3"), deps.client("dynamodb")
    made = []
    try:
        s3.head_bucket(Bucket=s.bucket)
    except ClientError:
        region = s3.meta.region_name
        kwargs: dict[str, Any] = {"Bucket": s.bucket}
        if region and region != "us-east-1":
            kwargs["CreateBucketConfiguration"] = {"LocationConstraint": region}
        s3.create_bucket(**kwargs)
        made.append(f"bucket {s.bucket}")
    try:
        ddb.describe_table(TableName=s.table)
    except ddb.exceptions.ResourceNotFoundException:
        ddb.create_table(**table_definition(s.table))
        ddb.get_waiter("table_exists").wait(TableName=s.table)
        ddb.update_time_to_live(
            TableName=s.table,
            TimeToLiveSpecification={"Enabled": True, "AttributeName": TTL_ATTRIBUTE},
        )
        made.append(f"table {s.table}")
    return made
