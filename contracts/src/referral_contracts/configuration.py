"""A file the partnership configures the platform with (its policy, its directory) that cannot be
used. Services stop on it at start with every problem named, never a traceback
(`service_kit.app.start`); operator tools refuse it the same way."""


class ConfigurationProblem(ValueError):
    """The message names the file and every problem in it."""
