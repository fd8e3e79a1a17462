"""How a channel adapter says a message was not accepted: worth retrying, or not."""


class TransientDeliveryError(Exception):
    """Worth retrying: the relay or provider is down, slow or overloaded."""


class PermanentDeliveryError(Exception):
    """Retrying cannot help: the message was refused (bad address or number, bad credentials)."""
