from service_kit.app import ServiceSettings

GROUP = "oversight"  # the consumer group of both subscriptions (referral_contracts.topology)


class Settings(ServiceSettings):
    """Also MONGODB_URL, MONGODB_DATABASE, POLICY_PATH (the quality review's root causes and sample
    size) and METRICS_SECONDS."""

    http_port: int = 8005
    mongodb_url: str = "mongodb://127.0.0.1:27017/"
    mongodb_database: str = "oversight"
    policy_path: str = "deploy/demo/policy.yaml"
    # How often the open and overdue gauges are refreshed from the read models (five roll-up cells
    # and today's deadlines: milliseconds, whatever the history).
    metrics_seconds: float = 60.0
