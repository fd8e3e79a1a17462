"""FHIR in: a referral sent as a FHIR R4 transaction Bundle (the SDOHCC referral's ServiceRequest and
Task, with the Patient, the referrer's PractitionerRole and the Consent they reference) becomes the
same ReferralRequest an HTTP or topic submission is, and takes the same path from there."""
