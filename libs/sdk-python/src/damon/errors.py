"""Errors the SDK raises."""


class DamonError(Exception):
    """Base class of the SDK's errors."""


class BrokerUnreachableError(DamonError):
    """No Kafka broker of the given list answered."""


class InvalidEventError(DamonError, ValueError):
    """A message that does not match its contract (JSON Schema)."""


class DeliveryError(DamonError):
    """Messages the broker did not accept (after librdkafka's retries)."""

    def __init__(self, message: str, failures: list):
        super().__init__(message)
        self.failures = failures


class BackPressureTimeout(DamonError):
    """``on_full="block"`` waited longer than ``block_timeout`` for room in the send buffer."""
