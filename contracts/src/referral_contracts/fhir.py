"""The platform's FHIR vocabulary: what intake reads from a FHIR referral and tracking writes in its
FHIR views, in one place, so a referral sent as FHIR and read back as FHIR use the same names.

- Identifier systems: the platform's referral id, an agency of the directory, and a sending
  agency's own references (a sender's reference is only unique within that sender).
- The service type: the partnership's own code (the directory's `service_type`) in
  `SERVICE_TYPE_SYSTEM`, with the SNOMED CT referral procedure beside it where one fits. Only codes
  whose term was checked against a published value set are listed (VSAC "Referral for Adult
  Depression", 2.16.840.1.113883.3.526.3.1571, lists both); a service type without one travels as
  the partnership's code and text only.
"""

from __future__ import annotations

from typing import Final

REFERRAL_SYSTEM: Final = "urn:closed-loop-referrals:referral"
AGENCY_SYSTEM: Final = "urn:closed-loop-referrals:agency"
SERVICE_TYPE_SYSTEM: Final = "urn:closed-loop-referrals:service-type"
SNOMED: Final = "http://snomed.info/sct"
IDENTIFIER_TYPE: Final = "http://terminology.hl7.org/CodeSystem/v2-0203"

# The identifier type BSeR's referral ServiceRequest gives the initiator's own identifier
# (referralInitiatorServiceRequestIdentifier): HL7 v2 table 0203 PLAC, "Placer Identifier".
PLACER_TYPE: Final = {"coding": [{"system": IDENTIFIER_TYPE, "code": "PLAC", "display": "Placer Identifier"}]}

# ServiceRequest.category of every referral: SNOMED CT 3457005 |Patient referral (procedure)|.
REFERRAL_CATEGORY: Final = {"coding": [{"system": SNOMED, "code": "3457005", "display": "Patient referral"}]}

# service type -> (SNOMED CT code, preferred term)
SERVICE_TYPE_SNOMED: Final[dict[str, tuple[str, str]]] = {
    "community_mental_health": ("390866009", "Referral to mental health team"),
    "primary_care": ("703978000", "Referral to primary care service"),
}


def client_reference_system(agency_id: str) -> str:
    """The system of an agency's own references: the same reference from two agencies is two things."""
    return f"urn:closed-loop-referrals:client-reference:{agency_id}"


def service_type_code(service_type: str) -> dict:
    """ServiceRequest.code for a service type: the partnership's code, SNOMED CT's where one fits."""
    coding = [{"system": SERVICE_TYPE_SYSTEM, "code": service_type}]
    if service_type in SERVICE_TYPE_SNOMED:
        code, term = SERVICE_TYPE_SNOMED[service_type]
        coding.append({"system": SNOMED, "code": code, "display": term})
    return {"coding": coding, "text": service_type.replace("_", " ")}


def service_type_of(system: str | None, code: str | None) -> str | None:
    """The service type a coding names: the partnership's own code, or a SNOMED CT code listed above."""
    if system == SERVICE_TYPE_SYSTEM and code:
        return code
    if system == SNOMED:
        return next((kind for kind, (snomed, _) in SERVICE_TYPE_SNOMED.items() if snomed == code), None)
    return None
