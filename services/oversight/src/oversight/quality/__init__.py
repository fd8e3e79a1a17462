"""The monthly quality review: a reproducible sample of the month's delayed or failed referrals,
reviews with root causes and corrective actions."""
