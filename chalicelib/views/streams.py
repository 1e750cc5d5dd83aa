"""The comment table's stream: notification emails (see chalicelib/comments/notify.py)."""

from __future__ import annotations

from chalice.app import DynamoDBEvent

from chalicelib import deps, settings
from chalicelib.comments.notify import handle_batch
from chalicelib.views.web import Blueprint

bp = Blueprint(__name__)

# Chalice needs a stream ARN when the app is loaded; the deployment template
# replaces it with the comment table's real stream (see tools/infra.py).
STREAM_ARN_PLACEHOLDER = (
    "arn:aws:dynamodb:us-east-1:000000000000:table/lambdapress/stream/set-by-the-template"
)


@bp.on_dynamodb_record(stream_arn=STREAM_ARN_PLACEHOLDER, batch_size=100, name="notify")
def notify(event: DynamoDBEvent) -> None:
    handle_batch(
        event.to_dict()["Records"],
        deps.posts().site(),
        deps.comments(),
        deps.client("ses"),
        settings.current().notify_from,
    )
