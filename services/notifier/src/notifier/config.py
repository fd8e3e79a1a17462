from service_kit.app import ServiceSettings


class Settings(ServiceSettings):
    """Also MONGODB_URL, MONGODB_DATABASE, DIRECTORY_PATH (the resource directory: who receives
    what) and SMTP_HOST, SMTP_PORT, SMTP_FROM, SMTP_TIMEOUT_SECONDS (the mail relay)."""

    http_port: int = 8004
    mongodb_url: str = "mongodb://127.0.0.1:27017/"
    mongodb_database: str = "notifier"
    directory_path: str = "deploy/demo/hsds"
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_from: str = "closed-loop-referrals@platform.example"
    smtp_timeout_seconds: float = 10.0
