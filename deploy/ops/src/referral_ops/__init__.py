"""Operating the referral platform: topics, directory, replay, and looking at what flows."""
