"""The closure notice: what the originating agency is told when its referral's loop closes.

Minimum necessary: an email may be forwarded or read over a shoulder, so the notice names only
the referral (our id and the sender's own reference), the outcome, who closed it and when. It
never carries the person's name, date of birth, contact details or anything clinical; the sender
matches the notice to its records through its own reference.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime, timezone
from email.message import EmailMessage
from email.utils import format_datetime
from uuid import UUID

from jinja2 import Environment, PackageLoader, StrictUndefined, select_autoescape

from referral_contracts import ClosureOutcome, DataCategory, ReferralClosed, ReferralClosedV2, may_share
from referral_contracts.directory import Directory

EMAIL = "email"  # the delivery channel; SMS escalations will be another
MESSAGE_ID_DOMAIN = "closed-loop-referrals"

OUTCOME_MEANINGS: dict[ClosureOutcome, str] = {
    ClosureOutcome.ENGAGED: "the person completed a first engagement with the service",
    ClosureOutcome.DECLINED: "the person declined the service, with a documented reason",
    ClosureOutcome.REDIRECTED: "the referral was redirected to another agency, which accepted it",
    ClosureOutcome.ESCALATED: "the referral was handed to a crisis or safeguarding pathway with a named owner",
    ClosureOutcome.WITHDRAWN: "the referral was withdrawn or cancelled by the sender",
    ClosureOutcome.LINKED: "the person was already referred to this service by a referral still open; this one "
                           "was closed as its duplicate and the person's care is tracked there",
}

WITHHELD = "the outcome is not shared: the person's consent does not allow it"

# Autoescape everywhere except the plain-text part, where HTML entities would be noise.
TEMPLATES = Environment(
    loader=PackageLoader("notifier", "templates"),
    autoescape=select_autoescape(enabled_extensions=("html",), disabled_extensions=("txt",), default=True),
    undefined=StrictUndefined,  # a misspelt variable fails the test suite, not a real notice
    keep_trailing_newline=True,
)


@dataclass(frozen=True)
class Notice:
    """An e-mail's content: closure notices, clarification requests and escalations alike."""

    subject: str
    text: str
    html: str


def closure_notice(event: ReferralClosed | ReferralClosedV2, directory: Directory) -> Notice:
    closure = event.data
    closing_agency = directory.agency(closure.closing_agency_id)
    # A closing agency missing from the directory must not hold back the notice: its id still
    # tells the sender who closed the loop.
    closing_agency_name = closing_agency.name if closing_agency else closure.closing_agency_id
    # Consent decides whether the sender may learn how it ended; that the loop closed it may always.
    shared = may_share(closure.consent, DataCategory.OUTCOME, closure.source_agency_id)
    outcome = closure.outcome.value if shared else "closed"
    context = {
        "referral_id": str(event.referral_id),
        "client_reference": closure.client_reference,
        "outcome": outcome,
        "outcome_meaning": OUTCOME_MEANINGS[closure.outcome] if shared else WITHHELD,
        "closing_agency_name": closing_agency_name,
        "closed_at": utc_text(closure.closed_at),
    }
    return Notice(
        subject=one_line(f"Referral closed ({outcome}): your reference {closure.client_reference}"),
        text=TEMPLATES.get_template("closure_notice.txt").render(context),
        html=TEMPLATES.get_template("closure_notice.html").render(context),
    )


def message_id(event_id: UUID, channel: str, recipient: str) -> str:
    """The same delivery always gets the same Message-ID, so a resend after a crash is seen by
    mail systems as the same message. The recipient part keeps two contacts' copies distinct."""
    recipient_digest = hashlib.sha256(recipient.strip().lower().encode()).hexdigest()[:16]
    return f"<{event_id}.{channel}.{recipient_digest}@{MESSAGE_ID_DOMAIN}>"


def compose_email(
    notice: Notice, *, sender: str, recipient: str, message_id: str, sent_at: datetime
) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = recipient
    message["Subject"] = notice.subject
    message["Date"] = format_datetime(sent_at.astimezone(timezone.utc))
    message["Message-ID"] = message_id
    message["Auto-Submitted"] = "auto-generated"  # RFC 3834: out-of-office replies stay away
    message.set_content(notice.text)
    message.add_alternative(notice.html, subtype="html")
    return message


def utc_text(moment: datetime) -> str:
    # The contract's closed_at may be naive; the platform's clocks are UTC, so read it as UTC.
    aware = moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)
    return aware.astimezone(timezone.utc).strftime("%Y-%m-%d %H:%M UTC")


def one_line(text: str) -> str:
    # A header must not contain line breaks; a reference with one would otherwise fail forever.
    return " ".join(text.split())
