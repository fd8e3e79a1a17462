from service_kit.app import serve

from .app import create_app
from .config import Settings


def run() -> None:
    settings = Settings()
    serve(create_app(settings), settings)
