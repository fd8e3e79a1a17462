"""The notifier: closure notices (and, later, escalations) to named people, once in effect."""
