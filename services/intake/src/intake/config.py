from pydantic_settings import BaseSettings


class Settings(BaseSettings):
    """Read from the environment (KAFKA_BOOTSTRAP_SERVERS, HTTP_HOST, HTTP_PORT, LOG_LEVEL)."""

    kafka_bootstrap_servers: str = "127.0.0.1:9092"
    http_host: str = "127.0.0.1"
    http_port: int = 8001
    log_level: str = "INFO"
