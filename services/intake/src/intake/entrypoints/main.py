import logging

import uvicorn

from ..config import Settings
from .app import create_app


def run() -> None:
    settings = Settings()
    logging.basicConfig(level=settings.log_level, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    uvicorn.run(create_app(settings), host=settings.http_host, port=settings.http_port, log_level="warning")
