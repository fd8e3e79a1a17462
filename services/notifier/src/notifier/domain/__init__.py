"""What the notifier decides without touching the network: who is told, and what they are told."""

from .clarification import clarification_request
from .escalation import escalation_notice
from .sms import SMS, SMS_STEPS, escalation_sms
from .messages import EMAIL, Notice, closure_notice, compose_email, message_id
from .recipients import NoReferralContact, Undeliverable, UnknownAgency, closure_recipients, lead_phones, lead_recipients

__all__ = [
    "EMAIL",
    "Notice",
    "NoReferralContact",
    "Undeliverable",
    "UnknownAgency",
    "clarification_request",
    "SMS",
    "SMS_STEPS",
    "escalation_notice",
    "escalation_sms",
    "lead_phones",
    "lead_recipients",
    "closure_notice",
    "closure_recipients",
    "compose_email",
    "message_id",
]
