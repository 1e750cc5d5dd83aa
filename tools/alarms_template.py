"""Alarms for a stage, and an optional SNS topic that emails them.

`fragment(stage)` returns what tools/infra.py merges into Chalice's template: API
Gateway's 5xx answers, errors and throttles of each function, and the age of the
oldest stream record the notification function has not handled yet.
"""

from __future__ import annotations

from typing import Any

PERIOD = 300  # seconds
ITERATOR_AGE_MS = 300_000  # notifications five minutes behind the comments
API_5XX = 5  # a few 503s (S3 or DynamoDB unavailable) are worth knowing about
ACTIONS = {"Fn::If": ["HasAlarmEmail", [{"Ref": "AlarmTopic"}], {"Ref": "AWS::NoValue"}]}


def api_name(stage: str) -> str:
    """The REST API's name, which its CloudWatch metrics are keyed on: one per stage."""
    return f"lambdapress-{stage}"


def _alarm(
    description: str,
    namespace: str,
    metric: str,
    dimensions: list[dict[str, Any]],
    threshold: int,
    statistic: str = "Sum",
) -> dict[str, Any]:
    return {
        "Type": "AWS::CloudWatch::Alarm",
        "Properties": {
            "AlarmDescription": description,
            "Namespace": namespace,
            "MetricName": metric,
            "Dimensions": dimensions,
            "Statistic": statistic,
            "Period": PERIOD,
            "EvaluationPeriods": 1,
            "Threshold": threshold,
            "ComparisonOperator": "GreaterThanOrEqualToThreshold",
            "TreatMissingData": "notBreaching",
            "AlarmActions": ACTIONS,
            "OKActions": ACTIONS,
        },
    }


def _function_alarms(logical_id: str, label: str) -> dict[str, Any]:
    dims = [{"Name": "FunctionName", "Value": {"Ref": logical_id}}]
    return {
        f"{logical_id}ErrorsAlarm": _alarm(
            f"The {label} function failed", "AWS/Lambda", "Errors", dims, 1
        ),
        f"{logical_id}ThrottlesAlarm": _alarm(
            f"The {label} function was throttled", "AWS/Lambda", "Throttles", dims, 1
        ),
    }


def fragment(stage: str) -> dict[str, Any]:
    """The alarms' parameter, condition, resources and output for one stage."""
    api_dims = [
        {"Name": "ApiName", "Value": api_name(stage)},
        {"Name": "Stage", "Value": "api"},
    ]
    resources: dict[str, Any] = {
        "AlarmTopic": {
            "Type": "AWS::SNS::Topic",
            "Condition": "HasAlarmEmail",
            "Properties": {
                "DisplayName": f"lambdapress {stage} alarms",
                "Subscription": [{"Protocol": "email", "Endpoint": {"Ref": "AlarmEmail"}}],
            },
        },
        "Api5xxAlarm": _alarm(
            "API Gateway answered 5xx (Lambda failed, timed out, or S3/DynamoDB unavailable)",
            "AWS/ApiGateway",
            "5XXError",
            api_dims,
            API_5XX,
        ),
        **_function_alarms("APIHandler", "API"),
        **_function_alarms("Notify", "notification"),
        "NotifyIteratorAgeAlarm": _alarm(
            "Comment notifications are falling behind the table's stream",
            "AWS/Lambda",
            "IteratorAge",
            [{"Name": "FunctionName", "Value": {"Ref": "Notify"}}],
            ITERATOR_AGE_MS,
            statistic="Maximum",
        ),
    }
    return {
        "Parameters": {
            "AlarmEmail": {
                "Type": "String",
                "Default": "",
                "AllowedPattern": r"^$|^[^@\s]+@[^@\s]+$",
                "Description": "Optional address that alarms are emailed to (it must confirm once)",
            }
        },
        "Conditions": {"HasAlarmEmail": {"Fn::Not": [{"Fn::Equals": [{"Ref": "AlarmEmail"}, ""]}]}},
        "Resources": resources,
        "Outputs": {
            "AlarmTopicArn": {"Condition": "HasAlarmEmail", "Value": {"Ref": "AlarmTopic"}},
        },
    }
