"""Records the AWS operations the Lambda handlers make, as IAM actions on kinds of resource,
and checks them against the hand-written policies of .chalice/."""

from __future__ import annotations

import contextvars
import re
from collections.abc import Callable
from typing import Any

from chalice import app as chalice_app

from chalicelib import deps

# Which handler is running: "api" (a request) or "notify" (a stream batch).
HANDLER: contextvars.ContextVar[str | None] = contextvars.ContextVar("handler", default=None)
RECORDED: dict[str, set[tuple[str, str]]] = {"api": set(), "notify": set()}

_TRANSACT = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
}
# Granted for the Lambda service itself, not for calls in the code: the runtime writes
# logs, and the stream's event source mapping reads the stream with the function's role
# and sends a batch it gave up on to the on-failure destination (an SQS queue).
SERVICE_GRANTS = {
    "api": {("logs:CreateLogStream", "logs"), ("logs:PutLogEvents", "logs")},
    "notify": {
        ("logs:CreateLogStream", "logs"),
        ("logs:PutLogEvents", "logs"),
        ("dynamodb:DescribeStream", "stream"),
        ("dynamodb:GetRecords", "stream"),
        ("dynamodb:GetShardIterator", "stream"),
        ("dynamodb:ListStreams", "streams"),
        ("sqs:SendMessage", "queue"),
    },
}


def required(service: str, operation: str, params: dict[str, Any]) -> set[tuple[str, str]]:
    """The (IAM action, resource kind) pairs one API call needs."""
    if service == "dynamodb":
        if operation == "TransactWriteItems":
            return {(_TRANSACT[kind], "table") for item in params["TransactItems"] for kind in item}
        kind = f"index/{params['IndexName']}" if params.get("IndexName") else "table"
        return {(f"dynamodb:{operation}", kind)}
    if service == "s3" and operation == "GetObject":
        # ListBucket makes a missing key answer 404 (NoSuchKey) instead of 403.
        return {("s3:GetObject", "object"), ("s3:ListBucket", "bucket")}
    if service == "ssm" and operation == "GetParameter":
        return {("ssm:GetParameter", "parameter/" + params["Name"].rsplit("/", 1)[-1])}
    if service == "ses":
        return {(f"ses:{operation}", "identity")}
    if service == "cloudfront":
        return {(f"cloudfront:{operation}", "distribution")}
    return {(f"{service}:{operation}", service)}


def resource_kind(resource: str) -> str:
    patterns = [
        (r"^arn:\$\{AWS::Partition\}:s3:::\$\{ContentBucket\}/\*$", "object"),
        (r"^arn:\$\{AWS::Partition\}:s3:::\$\{ContentBucket\}$", "bucket"),
        (r"^\$\{CommentsTable\.Arn\}$", "table"),
        (r"^\$\{CommentsTable\.Arn\}/index/([\w-]+)$", "index/{0}"),
        (r"^\$\{CommentsTable\.StreamArn\}$", "stream"),
        (r"^\$\{CommentsTable\.Arn\}/stream/\*$", "streams"),
        (r"^\$\{NotifyFailures\.Arn\}$", "queue"),
        (r"^arn:\$\{AWS::Partition\}:ses:.*:identity/\$\{NotifyIdentity\}$", "identity"),
        (
            r"^arn:\$\{AWS::Partition\}:ssm:.*:parameter/\$\{AWS::StackName\}/([\w-]+)$",
            "parameter/{0}",
        ),
        (
            r"^arn:\$\{AWS::Partition\}:logs:.*:log-group:/aws/lambda/\$\{AWS::StackName\}-\w+:\*$",
            "logs",
        ),
        (
            r"^arn:\$\{AWS::Partition\}:cloudfront::\$\{AWS::AccountId\}:distribution/"
            r"\$\{Distribution\}$",
            "distribution",
        ),
    ]
    for pattern, kind in patterns:
        if match := re.match(pattern, resource):
            return kind.format(*match.groups())
    raise AssertionError(f"resource {resource!r} names nothing of this stage")


def allowed(policy: dict[str, Any]) -> set[tuple[str, str]]:
    pairs = set()
    for statement in policy["Statement"]:
        assert statement["Effect"] == "Allow"
        for action in statement["Action"]:
            for resource in statement["Resource"]:
                pairs.add((action, resource_kind(resource)))
    return pairs


def problems(function: str, policy: dict[str, Any], used: set[tuple[str, str]]) -> list[str]:
    """What the policy lacks for the calls made, and what it allows that nothing needs."""
    grants = allowed(policy)
    needed = used | SERVICE_GRANTS[function]
    missing = [f"{function}: not allowed: {a} on {k}" for a, k in sorted(needed - grants)]
    extra = [f"{function}: allowed but never used: {a} on {k}" for a, k in sorted(grants - needed)]
    return missing + extra


def _record(model: Any, params: dict[str, Any], **kwargs: Any) -> None:
    handler = HANDLER.get()
    if handler is not None:
        RECORDED[handler] |= required(model.service_model.service_name, model.name, params)


def _running(name: Callable[[Any], str], call: Callable[..., Any]) -> Callable[..., Any]:
    def wrapper(self: Any, *args: Any, **kwargs: Any) -> Any:
        token = HANDLER.set(name(self))
        try:
            return call(self, *args, **kwargs)
        finally:
            HANDLER.reset(token)

    return wrapper


def install() -> None:
    """Record from now on: every client the app uses comes from `deps.client`."""
    build = deps.client

    def client(service: str) -> Any:
        built = build(service)
        built.meta.events.register("before-parameter-build", _record, unique_id="iam-recorder")
        return built

    deps.client = client  # type: ignore[assignment]
    chalice_app.RestAPIEventHandler.__call__ = _running(  # type: ignore[method-assign]
        lambda self: "api", chalice_app.RestAPIEventHandler.__call__
    )
    chalice_app.EventSourceHandler.__call__ = _running(  # type: ignore[method-assign]
        lambda self: self.func.__name__, chalice_app.EventSourceHandler.__call__
    )
