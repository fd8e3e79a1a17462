from service_kit.app import start

from tracking.config import Settings
from tracking.app import create_app


def run() -> None:
    settings = Settings()
    start(create_app, settings)
