"""Small items beside the comments: failed sign-ins, unsubscribed emails, emails sent.

Each is one item of the comment table (keys in comments/table.py). The expiring ones are
checked against their own expiry time when read: TTL deletion is late (moto never deletes).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from chalicelib.comments import table as t

_CONDITION_FAILED = "ConditionalCheckFailedException"


@dataclass(frozen=True)
class LoginPolicy:
    """After `attempts` failures within `window` seconds, a client waits out the window."""

    attempts: int = 5
    window: int = 900


class Ledger:
    """Sign-in failures, unsubscribes and sent-email records in the comment table."""

    def __init__(self, client: Any, table: str) -> None:
        self.client = client
        self.table = table

    def _get(self, key: dict[str, Any]) -> dict[str, Any]:
        found = self.client.get_item(TableName=self.table, Key=key, ConsistentRead=True)
        return t.plain(found.get("Item") or {})

    # --- sign-in failures ----------------------------------------------------

    def login_wait(self, client_hash: str, now: int, policy: LoginPolicy) -> int:
        """Seconds this client must wait before trying again; 0 if it may try now."""
        record = self._get(t.login_key(client_hash))
        expires = int(record.get(t.TTL_ATTRIBUTE, 0))
        if expires <= now or int(record.get("failures", 0)) < policy.attempts:
            return 0
        return expires - now

    def login_failed(self, client_hash: str, now: int, policy: LoginPolicy) -> None:
        """Count a failure: in the live window, or in a new one if it has expired."""
        key = t.login_key(client_hash)
        try:
            self.client.update_item(
                TableName=self.table,
                Key=key,
                UpdateExpression="ADD failures :one",
                ConditionExpression="#exp > :now",
                ExpressionAttributeNames={"#exp": t.TTL_ATTRIBUTE},
                ExpressionAttributeValues={":one": {"N": "1"}, ":now": {"N": str(now)}},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != _CONDITION_FAILED:
                raise
            fresh = {"failures": 1, t.TTL_ATTRIBUTE: now + policy.window}
            self.client.put_item(TableName=self.table, Item={**key, **t.item(fresh)})

    def login_succeeded(self, client_hash: str) -> None:
        self.client.delete_item(TableName=self.table, Key=t.login_key(client_hash))

    # --- reply notices -------------------------------------------------------

    def unsubscribe(self, email_hash: str, at: str) -> None:
        """No more reply notices for this email, on any post."""
        item = {**t.unsubscribed_key(email_hash), **t.item({"at": at})}
        self.client.put_item(TableName=self.table, Item=item)

    def unsubscribed(self, email_hash: str) -> bool:
        return bool(self._get(t.unsubscribed_key(email_hash)))

    # --- emails sent ---------------------------------------------------------

    def claim(self, digest: str, now: int, keep: int) -> bool:
        """Claim the sending of one email; False if it was already sent (a retried batch)."""
        record = {t.TTL_ATTRIBUTE: now + keep}
        try:
            self.client.put_item(
                TableName=self.table,
                Item={**t.sent_key(digest), **t.item(record)},
                ConditionExpression="attribute_not_exists(PK) OR #exp <= :now",
                ExpressionAttributeNames={"#exp": t.TTL_ATTRIBUTE},
                ExpressionAttributeValues={":now": {"N": str(now)}},
            )
        except ClientError as exc:
            if exc.response["Error"]["Code"] != _CONDITION_FAILED:
                raise
            return False
        return True

    def release(self, digest: str) -> None:
        """Give up a claim whose email could not be sent, so that a retry sends it."""
        self.client.delete_item(TableName=self.table, Key=t.sent_key(digest))
