"""The projection: one document per referral, the latest state tracking published for it."""
