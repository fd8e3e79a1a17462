from service_kit.app import ServiceSettings


class Settings(ServiceSettings):
    """Also MONGODB_URL, MONGODB_DATABASE, POLICY_PATH and SWEEP_SECONDS."""

    http_port: int = 8003
    mongodb_url: str = "mongodb://127.0.0.1:27017/"
    mongodb_database: str = "tracking"
    policy_path: str = "deploy/demo/policy.yaml"  # escalation ladder and unknown-outcome threshold
    # The deadline watcher wakes when the next rung falls due, and looks at least this often (for
    # rungs stored by other replicas); the unknown-outcome sweep runs this often too.
    sweep_seconds: float = 5.0
