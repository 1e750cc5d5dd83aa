"""Emails as MIME messages, and where they go: SES (raw, so that headers such as
List-Unsubscribe are kept), or a folder of .eml files on the local stack."""

from __future__ import annotations

import logging
import time
from dataclasses import dataclass
from email import policy
from email.message import EmailMessage
from email.utils import formatdate, make_msgid
from pathlib import Path
from typing import Any, Protocol

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Email:
    to: tuple[str, ...]
    subject: str
    text: str
    headers: tuple[tuple[str, str], ...] = ()


# Lines up to RFC 5322's limit: a long List-Unsubscribe URL must stay one plain URL, which
# the default policy (78 characters) would fold into encoded words no mail client reads.
_POLICY = policy.SMTP.clone(max_line_length=998)


def mime(sender: str, email: Email) -> bytes:
    message = EmailMessage(policy=_POLICY)
    message["From"] = sender
    message["To"] = ", ".join(email.to)
    message["Subject"] = " ".join(email.subject.split())  # a header is one line
    message["Date"] = formatdate(usegmt=True)
    message["Message-ID"] = make_msgid(domain=sender.rpartition("@")[2] or None)
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: no auto-replies, please
    for name, value in email.headers:
        message[name] = value
    message.set_content(email.text)
    return message.as_bytes()


class Mailer(Protocol):
    def send(self, email: Email) -> None: ...


class SesMailer:
    """Sends through SES as raw MIME: send_email would drop the List-Unsubscribe headers."""

    def __init__(self, ses: Any, sender: str) -> None:
        self.ses = ses
        self.sender = sender

    def send(self, email: Email) -> None:
        self.ses.send_raw_email(
            Source=self.sender,
            Destinations=list(email.to),
            RawMessage={"Data": mime(self.sender, email)},
        )


class OutboxMailer:
    """Writes each email to a folder as an .eml file (the local stack has no SES)."""

    def __init__(self, folder: Path, sender: str) -> None:
        self.folder = folder
        self.sender = sender

    def send(self, email: Email) -> None:
        self.folder.mkdir(parents=True, exist_ok=True)
        stamp = time.strftime("%Y%m%d-%H%M%S")
        for n in range(1000):
            path = self.folder / f"{stamp}-{n:03d}.eml"
            if not path.exists():
                break
        path.write_bytes(mime(self.sender, email))
        log.info("email to %d recipient(s) written to %s", len(email.to), path)
