"""What the notifier decides without touching the network: who is told, and what they are told."""

from .clarification import clarification_request
from .escalation import escalation_notice
from .messages import EMAIL, ClosureNotice, closure_notice, compose_email, message_id
from .recipients import NoReferralContact, Undeliverable, UnknownAgency, closure_recipients, lead_recipients

__all__ = [
    "EMAIL",
    "ClosureNotice",
    "NoReferralContact",
    "Undeliverable",
    "UnknownAgency",
    "clarification_request",
    "escalation_notice",
    "lead_recipients",
    "closure_notice",
    "closure_recipients",
    "compose_email",
    "message_id",
]
