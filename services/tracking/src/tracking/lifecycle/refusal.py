class Refused(Exception):
    """An event that may not happen where it falls; the message says why, naming the state."""
