from service_kit.app import ServiceSettings


class Settings(ServiceSettings):
    """Also MONGODB_URL, MONGODB_DATABASE, POLICY_PATH and UNKNOWN_OUTCOME_SWEEP_SECONDS."""

    http_port: int = 8003
    mongodb_url: str = "mongodb://127.0.0.1:27017/"
    mongodb_database: str = "tracking"
    policy_path: str = "deploy/demo/policy.yaml"  # unknown_outcome_after_days comes from here
    unknown_outcome_sweep_seconds: float = 60.0
