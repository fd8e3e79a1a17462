from service_kit.app import start

from .app import create_app
from .config import Settings


def run() -> None:
    settings = Settings()
    start(create_app, settings)
