"""damon SDK: stream a model's activations, a run's training signals, a pipeline's data and their
lineage to damon. torch and transformers are optional: ``ActivationMonitor`` needs torch,
``DamonCallback`` needs transformers; both are imported on first use."""

from typing import Any

from . import lineage, topics, wire
from .client import Client, connect
from .dataset_reporter import DatasetReporter
from .errors import BackPressureTimeout, BrokerUnreachableError, DamonError, DeliveryError, InvalidEventError
from .training_signals import TrainingSignals
from .vectors import decode_vectors, encode_vectors
from .wire import decode_message, encode_message

__all__ = [
    "ActivationMonitor",
    "BackPressureTimeout",
    "BrokerUnreachableError",
    "Client",
    "DamonCallback",
    "DamonError",
    "DatasetReporter",
    "DeliveryError",
    "InvalidEventError",
    "TrainingSignals",
    "connect",
    "decode_message",
    "decode_vectors",
    "encode_message",
    "encode_vectors",
    "lineage",
    "topics",
    "wire",
]
__version__ = "0.1.0"


def __getattr__(name: str) -> Any:
    # Lazy, so that `import damon` works without torch / transformers installed.
    if name == "ActivationMonitor":
        from .activation_monitor import ActivationMonitor

        return ActivationMonitor
    if name == "DamonCallback":
        from .trainer_callback import DamonCallback

        return DamonCallback
    raise AttributeError(f"module 'damon' has no attribute {name!r}")
