"""The same-day clarification request: which fields the sender must still provide, and by when.

Names fields, never their values: the request carries no personal data.
"""

from __future__ import annotations

from referral_contracts import ReferralTriaged, TriageOutcome

from .messages import TEMPLATES, Notice, one_line, utc_text


def clarification_request(event: ReferralTriaged) -> Notice | None:
    """None when the decision asks for nothing, or does not say who sent the referral."""
    decision = event.data
    if not decision.missing_information or decision.source_agency_id is None:
        return None
    context = {
        "referral_id": str(event.referral_id),
        "client_reference": decision.client_reference or "",
        "missing": ", ".join(decision.missing_information),
        "due": utc_text(decision.clarification_due) if decision.clarification_due else "today",
        "assigned": decision.outcome is not TriageOutcome.CLARIFICATION_NEEDED,
    }
    return Notice(
        subject=one_line(f"Information needed for your referral {decision.client_reference or event.referral_id}"),
        text=TEMPLATES.get_template("clarification_request.txt").render(context),
        html=TEMPLATES.get_template("clarification_request.html").render(context),
    )
