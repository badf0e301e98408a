"""[mail] transport = "graph": the digest's own MIME message, sent through Microsoft Graph.

``POST /users/{from}/sendMail`` with the message as base64 text and ``Content-Type:
text/plain`` is how Graph takes a MIME message (learn.microsoft.com/graph/api/user-sendmail,
"When specifying the body in MIME format, provide the MIME content as a base64-encoded string";
learn.microsoft.com/graph/outlook-send-mime-message). It answers 202 Accepted with no body. The
message is the one every transport sends (same Message-ID and headers), so the ledger and the
digest retries work as they do for SMTP.

The app needs the Mail.Send application permission, and an application access policy in
Exchange Online should limit it to the sender's mailbox (see the README).
"""

from __future__ import annotations

import base64
from dataclasses import dataclass
from email.message import EmailMessage
from urllib.parse import quote

import requests

from automations.backends.microsoft365.graph import (
    GraphClient,
    GraphError,
    SignInError,
    SignInUnreachable,
    required_settings,
    token_roles,
)
from automations.core.config import Config
from automations.core.errors import MailError, PermanentMailError, TemporaryMailError
from automations.core.retry import GaveUp
from automations.mail.outcome import BeforeData, Delivery


@dataclass
class GraphMailTransport:
    client: GraphClient
    mailbox: str  # the From address: the mailbox the message is sent as
    name: str = "graph"

    def send(
        self, msg: EmailMessage, recipients: tuple[str, ...], before_data: BeforeData
    ) -> Delivery:
        """One sendMail call for every recipient: Graph takes the message whole or not at all.
        ``before_data`` runs just before the message is handed over (the ledger records
        "about to send"); a reply that never comes after that is *uncertain*, not "not sent"."""
        body = base64.b64encode(msg.as_bytes())
        before_data(recipients)
        try:
            self.client.request(
                "POST", f"/users/{quote(self.mailbox, safe='@')}/sendMail", kind="sendMail",
                expect=(202,), data=body, headers={"Content-Type": "text/plain"},
                once_only=True,
            )
        except GaveUp as exc:
            raise TemporaryMailError(f"Microsoft 365 did not take the message: {exc}",
                                     recipients, unreachable=True) from None
        except SignInUnreachable as exc:
            raise TemporaryMailError(str(exc), recipients, unreachable=True) from None
        except SignInError as exc:
            raise PermanentMailError(str(exc), recipients) from None
        except GraphError as exc:
            raise self._refused(exc, recipients) from None
        except requests.ConnectTimeout:
            raise TemporaryMailError("could not reach Microsoft 365 to send the message",
                                     recipients, unreachable=True) from None
        except requests.RequestException as exc:
            # The request may have reached Graph before the connection went: most likely sent.
            return Delivery(uncertain=recipients,
                            why_uncertain=f"no answer from Microsoft 365 ({type(exc).__name__})")
        return Delivery(delivered=recipients)

    def _refused(self, exc: GraphError, recipients: tuple[str, ...]) -> MailError:
        if exc.status == 403:
            return PermanentMailError(
                f"Microsoft 365 would not let the app send as {self.mailbox} ({exc.code}). The "
                "app needs the Mail.Send permission, and the application access policy must "
                "include this mailbox.", recipients)
        if exc.status == 404:
            return PermanentMailError(
                f"Microsoft 365 has no mailbox {self.mailbox} (status 404). Check mail.from.",
                recipients)
        if exc.status >= 500:
            return TemporaryMailError(f"Microsoft 365 could not send the message now: {exc}",
                                      recipients)
        return PermanentMailError(f"Microsoft 365 refused the message: {exc}", recipients)


def graph_transport(cfg: Config, mailbox: str) -> GraphMailTransport:
    settings = required_settings(cfg, 'mail.transport = "graph"')
    return GraphMailTransport(GraphClient(settings), mailbox)


def graph_send_as_line(cfg: Config, mailbox: str) -> tuple[bool, str]:
    """Whether the app holds Mail.Send (the roles in its token), without sending anything.
    Which mailboxes it may send as is Exchange's application access policy, applied at send
    time; an administrator can test it with Test-ApplicationAccessPolicy."""
    transport = graph_transport(cfg, mailbox)
    try:
        roles = token_roles(transport.client.token())
    except SignInError as exc:
        return False, f"Send-as: cannot sign in to send mail: {exc}"
    if roles is None:
        return True, ("Send-as: could not tell whether the app holds Mail.Send (its token "
                      f"cannot be read); the first digest sent as {mailbox} will tell.")
    if "Mail.Send" not in roles:
        return False, ("Send-as: the app does not hold the Mail.Send permission, so it cannot "
                       f"send as {mailbox}: ask the Microsoft 365 administrator to grant it.")
    return True, (f"Send-as: the app holds Mail.Send; Exchange's application access policy "
                  f"decides at the first send whether {mailbox} is allowed.")
