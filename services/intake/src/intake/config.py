from service_kit.app import ServiceSettings


class Settings(ServiceSettings):
    http_port: int = 8001
