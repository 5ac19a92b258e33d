"""Where a delivery goes: an e-mail address (SMTP), a folder, or a webhook (Slack- and Teams-compatible JSON).

- **E-mail** (``ana@example.com``): one message with the files attached, through the server of
  ``MOMENTO_SMTP_HOST`` and ``MOMENTO_SMTP_PORT`` (default 587 with STARTTLS, else 25), signing in with
  ``MOMENTO_SMTP_USER`` and ``MOMENTO_SMTP_PASSWORD`` when set, from ``MOMENTO_SMTP_FROM`` (default the user, else
  ``momento@localhost``). ``MOMENTO_SMTP_STARTTLS`` (``yes``/``no``) switches STARTTLS; by default it is on when
  there is a user to sign in (a password never crosses the network in clear).
- **Folder** (an absolute path, ``/srv/packs``): the files in a subfolder named after the day
  (``/srv/packs/2026-11-01/``), each written to a temporary name and renamed, so a reader never sees half a file.
- **Webhook** (``https://…``): a JSON POST ``{"text": …}`` — what Slack and Microsoft Teams incoming webhooks read —
  with the view's link and the headline numbers (no files: they stay in the other targets).

Every failure is raised as :class:`DeliveryError` with one sentence saying what went wrong; settings that are
missing or wrong as :class:`NotConfigured`, which no retry can mend.
"""

from __future__ import annotations

import json
import mimetypes
import os
import re
import smtplib
import urllib.error
import urllib.request
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from email.message import EmailMessage
from pathlib import Path

KINDS = ("email", "folder", "webhook")
_EMAIL = re.compile(r"^[^@\s/]+@[^@\s/]+\.[^@\s/]+$")
#: How long a webhook or the mail server may take to answer, in seconds.
TIMEOUT = 30.0


class DeliveryError(Exception):
    """A target that could not be delivered to, in one sentence."""


class NotConfigured(DeliveryError):
    """A delivery the settings of the environment do not allow (no mail server): trying again cannot help."""


@dataclass(frozen=True)
class Outgoing:
    """What one schedule sends: the e-mail's subject, the text of the message (view, period, filters, headline
    numbers, link), the files as (name, content), and the day that names the folder."""

    subject: str
    text: str
    files: tuple[tuple[str, bytes], ...]
    day: date

    @property
    def size(self) -> int:
        return sum(len(content) for _, content in self.files)


def target_kind(target: str) -> str:
    """``email``, ``folder`` or ``webhook`` (one of :data:`KINDS`); ValueError in one sentence for anything else."""
    if target.startswith(("https://", "http://")):
        return "webhook"
    if _EMAIL.match(target):
        return "email"
    if target.startswith("/"):
        return "folder"
    raise ValueError(f"'{target}' is not a target: give an e-mail address (ana@example.com), an absolute folder path "
                     "(/srv/packs) or a webhook URL (https://…).")


def send(target: str, outgoing: Outgoing, env: Mapping[str, str] = os.environ) -> None:
    """Deliver ``outgoing`` to ``target``; DeliveryError in one sentence when it cannot."""
    kind = target_kind(target)
    if kind == "email":
        send_email(target, outgoing, env)
    elif kind == "folder":
        write_folder(Path(target), outgoing)
    else:
        post_webhook(target, outgoing)


def _flag(value: str | None, name: str) -> bool | None:
    if value is None or not value.strip():
        return None
    if value.strip().lower() in ("1", "yes", "true", "on"):
        return True
    if value.strip().lower() in ("0", "no", "false", "off"):
        return False
    raise NotConfigured(f"{name} is '{value}': use yes or no.")


@dataclass(frozen=True)
class SmtpSettings:
    host: str
    port: int
    user: str | None
    password: str | None
    sender: str
    starttls: bool


def smtp_settings(env: Mapping[str, str] = os.environ) -> SmtpSettings:
    """The mail server of the environment (module docstring); DeliveryError when it is not set or not valid."""
    host = env.get("MOMENTO_SMTP_HOST", "").strip()
    if not host:
        raise NotConfigured("No mail server: set MOMENTO_SMTP_HOST (and MOMENTO_SMTP_PORT, MOMENTO_SMTP_USER, "
                            "MOMENTO_SMTP_PASSWORD, MOMENTO_SMTP_FROM) to send e-mail.")
    user = env.get("MOMENTO_SMTP_USER") or None
    starttls = _flag(env.get("MOMENTO_SMTP_STARTTLS"), "MOMENTO_SMTP_STARTTLS")
    starttls = bool(user) if starttls is None else starttls
    port_text = env.get("MOMENTO_SMTP_PORT", "").strip() or ("587" if starttls else "25")
    if not port_text.isdigit():
        raise NotConfigured(f"MOMENTO_SMTP_PORT is '{port_text}': give a port number, e.g. 587.")
    return SmtpSettings(host, int(port_text), user, env.get("MOMENTO_SMTP_PASSWORD") or None,
                        env.get("MOMENTO_SMTP_FROM") or user or "momento@localhost", starttls)


def message(address: str, outgoing: Outgoing, sender: str) -> EmailMessage:
    """The e-mail: subject, the text as its body, every file attached with its content type (and for text, its
    UTF-8 charset, or a reader would see its accents garbled)."""
    mail = EmailMessage()
    mail["Subject"], mail["From"], mail["To"] = outgoing.subject, sender, address
    mail.set_content(outgoing.text)
    for name, content in outgoing.files:
        maintype, subtype = (mimetypes.guess_type(name)[0] or "application/octet-stream").split("/", 1)
        text = {"charset": "utf-8"} if maintype == "text" else None  # the pack writes text as UTF-8
        mail.add_attachment(content, maintype=maintype, subtype=subtype, filename=name, params=text)
    return mail


def send_email(address: str, outgoing: Outgoing, env: Mapping[str, str] = os.environ) -> None:
    settings = smtp_settings(env)
    try:
        with smtplib.SMTP(settings.host, settings.port, timeout=TIMEOUT) as server:
            if settings.starttls:
                server.starttls()
            if settings.user:
                server.login(settings.user, settings.password or "")
            server.send_message(message(address, outgoing, settings.sender))
    except smtplib.SMTPException as exc:
        raise DeliveryError(f"The mail server {settings.host}:{settings.port} refused the message to {address}: "
                            f"{_reason(exc)}.") from None
    except OSError as exc:
        raise DeliveryError(f"Could not reach the mail server {settings.host}:{settings.port}: "
                            f"{exc.strerror or exc}.") from None


def _reason(exc: smtplib.SMTPException) -> str:
    if isinstance(exc, smtplib.SMTPResponseException):
        text = exc.smtp_error.decode(errors="replace") if isinstance(exc.smtp_error, bytes) else str(exc.smtp_error)
        return f"{exc.smtp_code} {text}".strip().rstrip(".")
    return (str(exc) or type(exc).__name__).rstrip(".")


def write_folder(folder: Path, outgoing: Outgoing) -> None:
    """Each file into ``folder/<day>/``, through a temporary name and an atomic rename."""
    target = folder / outgoing.day.isoformat()
    try:
        target.mkdir(parents=True, exist_ok=True)
        for name, content in outgoing.files:
            tmp = target / f".{name}.{uuid.uuid4().hex}.tmp"
            try:
                tmp.write_bytes(content)
                os.replace(tmp, target / name)
            finally:
                tmp.unlink(missing_ok=True)
    except OSError as exc:
        raise DeliveryError(f"Could not write into the folder {target}: {exc.strerror or exc}.") from None


def post_webhook(url: str, outgoing: Outgoing, timeout: float = TIMEOUT) -> None:
    """POST ``{"text": …}`` as JSON; any answer but 2xx is a failure."""
    body = json.dumps({"text": outgoing.text}, ensure_ascii=False).encode("utf-8")
    request = urllib.request.Request(url, data=body, method="POST",
                                     headers={"Content-Type": "application/json; charset=utf-8"})
    try:
        with urllib.request.urlopen(request, timeout=timeout) as answer:
            answer.read()
    except urllib.error.HTTPError as exc:
        raise DeliveryError(f"The webhook answered HTTP {exc.code} {exc.reason}.") from None
    except urllib.error.URLError as exc:
        reason = exc.reason.strerror if isinstance(exc.reason, OSError) and exc.reason.strerror else exc.reason
        raise DeliveryError(f"Could not reach the webhook: {reason}.") from None
    except OSError as exc:  # a timeout or a connection dropped while reading the answer
        raise DeliveryError(f"The webhook did not answer: {exc.strerror or exc}.") from None
