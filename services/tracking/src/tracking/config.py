from service_kit.app import ServiceSettings


class Settings(ServiceSettings):
    """Also MONGODB_URL and MONGODB_DATABASE."""

    http_port: int = 8003
    mongodb_url: str = "mongodb://127.0.0.1:27017/"
    mongodb_database: str = "tracking"
