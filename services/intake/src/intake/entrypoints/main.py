from service_kit.app import start

from ..config import Settings
from .app import create_app


def run() -> None:
    settings = Settings()
    start(create_app, settings)
