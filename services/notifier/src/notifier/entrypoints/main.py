from service_kit.app import serve

from ..config import Settings
from .app import create_app


def run() -> None:
    settings = Settings()
    serve(create_app(settings), settings)
