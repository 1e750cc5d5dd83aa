"""The notification stream's event source settings and its on-failure queue, merged by
tools/infra.py into Chalice's template.

A failing record is retried from itself (the function reports which records failed),
the batch halved on an error, a few times; then the batch's description goes to the
on-failure queue, kept 14 days, and the stream moves on.
"""

from __future__ import annotations

import json
from typing import Any

from chalicelib.comments.table import stream_pattern

STREAM_RETRIES = 5
STREAM_RECORD_MAX_AGE = 6 * 3600


def stream_source() -> dict[str, Any]:
    """The notification function's event source: comment items' records only (an event
    filter: a stored first page of comments is up to 300 KB, twice in its record),
    partial batch responses (the function returns batchItemFailures), bisection, capped
    retries and an on-failure queue; Chalice's own properties (batch size, starting
    position) are kept by the merge."""
    return {
        "Stream": {"Fn::GetAtt": ["CommentsTable", "StreamArn"]},
        "FilterCriteria": {"Filters": [{"Pattern": json.dumps(stream_pattern())}]},
        "FunctionResponseTypes": ["ReportBatchItemFailures"],
        "BisectBatchOnFunctionError": True,
        "MaximumRetryAttempts": STREAM_RETRIES,
        "MaximumRecordAgeInSeconds": STREAM_RECORD_MAX_AGE,
        "DestinationConfig": {
            "OnFailure": {"Destination": {"Fn::GetAtt": ["NotifyFailures", "Arn"]}}
        },
    }


def fragment(stage: str) -> dict[str, Any]:
    return {
        "Resources": {
            "NotifyFailures": {
                "Type": "AWS::SQS::Queue",
                "Properties": {
                    "QueueName": f"lambdapress-{stage}-notify-failures",
                    "MessageRetentionPeriod": 14 * 86400,
                    "SqsManagedSseEnabled": True,
                },
            }
        },
        "Outputs": {"NotifyFailuresQueue": {"Value": {"Ref": "NotifyFailures"}}},
    }
