"""The comment table's stream: notification emails (see chalicelib/comments/notify.py)."""

from __future__ import annotations

import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from chalice import Blueprint
from chalice.app import DynamoDBEvent

from chalicelib import deps, settings

if TYPE_CHECKING:
    from chalicelib.comments.mail import Mailer

# The emails' modules (and the standard library's email package) are imported by the first
# batch, not with the app: the site function, which imports the app too, never needs them.
# Chalice's own Blueprint: the web views' (views/web.py) is for routes, and would bring the
# rendering helpers into this function.

bp = Blueprint(__name__)

# Chalice needs a stream ARN when the app is loaded; the deployment template
# replaces it with the comment table's real stream (see tools/infra.py).
STREAM_ARN_PLACEHOLDER = (
    "arn:aws:dynamodb:us-east-1:000000000000:table/lambdapress/stream/set-by-the-template"
)


def mailer() -> Mailer | None:
    """SES as the configured sender; a folder of .eml files on the local stack; else none."""
    from chalicelib.comments.mail import OutboxMailer, SesMailer

    current = settings.current()
    if not current.notify_from:
        return None
    if current.outbox:
        return OutboxMailer(Path(current.outbox), current.notify_from)
    return SesMailer(deps.client("ses"), current.notify_from)


@bp.on_dynamodb_record(stream_arn=STREAM_ARN_PLACEHOLDER, batch_size=100, name="notify")
def notify(event: DynamoDBEvent) -> dict[str, Any]:
    """Returns Lambda's partial batch response (the event source reports item failures)."""
    from chalicelib.comments.notify import Sources, handle_batch

    sends = mailer()
    if sends is None:
        return {"batchItemFailures": []}
    stores = deps.stores()
    sources = Sources(stores.site(), stores.comments, stores.ledger, stores.signing, sends)
    return handle_batch(event.to_dict()["Records"], sources, int(time.time()))
