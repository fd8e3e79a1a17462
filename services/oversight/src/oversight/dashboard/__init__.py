"""The oversight page: figures, worklist and a referral's detail, asked of this service's API."""
