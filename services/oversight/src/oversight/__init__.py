"""Oversight, the read side of the platform, organised by concept: `referrals` (the projection of
`referral.changed`), `figures`, `quality`, `issues` and `dashboard`, each with its models, rules,
store and API; `bootstrap` wires them."""
