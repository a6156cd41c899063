"""The one error type the simulated world raises for bad arguments."""


class SimConfigError(ValueError):
    """An unknown or out-of-range argument of the simulated world; the message says which."""
