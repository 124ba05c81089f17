"""The connection to damon: one background Kafka producer (librdkafka through confluent-kafka)."""

from __future__ import annotations

import atexit
import logging
import queue
import threading
import time
import weakref
from typing import Any, Callable, Dict, List, Literal, Optional, Sequence, Tuple, Union

from confluent_kafka import KafkaException, Producer

from . import schemas, wire as wire_format
from .errors import BackPressureTimeout, BrokerUnreachableError, DeliveryError, InvalidEventError
from .topics import TOPIC_OF_EVENT

log = logging.getLogger("damon")

#: libs/contracts LIMITS.maxMessageBytes; the project's brokers accept 20 MiB.
MAX_MESSAGE_BYTES = 16 * 1024 * 1024
OnFull = Literal["block", "drop"]
Wire = Literal["binary", "json"]
#: How often the encoder thread looks for held-back rows due for sending while some are held.
HOLD_TICK_S = 0.02
_WAKE: Any = ("", None, None)  # wakes the encoder thread; nothing to send


class Client:
    """Sends damon events. Batching, retries and the bounded send buffer are librdkafka's; a daemon
    thread serves its delivery reports. When the buffer is full, ``on_full="block"`` waits (up to
    ``block_timeout`` seconds, then raises :class:`BackPressureTimeout`) and ``"drop"`` drops the
    message and counts it in ``stats["dropped"]``. Delivery failures are counted, logged, passed to
    ``on_error`` and raised by the next :meth:`flush`. Pending messages are flushed at interpreter exit.

    ``wire="binary"`` (the default) sends events that hold vector bytes in the binary DMNB v1 form
    (:mod:`damon.wire`: raw little-endian values after a JSON header, no base64); ``wire="json"``
    sends every event as JSON with base64 vectors (schema version 1's form). damon reads both.
    """

    def __init__(
        self,
        brokers: Union[str, Sequence[str]],
        *,
        on_full: OnFull = "block",
        block_timeout: float = 60.0,
        max_buffer_mb: int = 256,
        validate: Union[bool, Literal["full"]] = True,
        connect_timeout: float = 10.0,
        wire: Wire = "binary",
        exit_flush_timeout: float = 30.0,
        max_pending: int = 1000,
        on_error: Optional[Callable[[str, Dict[str, Any]], None]] = None,
        config: Optional[Dict[str, Any]] = None,
        **kafka_config: Any,
    ) -> None:
        if on_full not in ("block", "drop"):
            raise ValueError(f'on_full must be "block" or "drop", not {on_full!r}')
        if wire not in ("binary", "json"):
            raise ValueError(f'wire must be "binary" or "json", not {wire!r}')
        self.wire = wire
        self.brokers = brokers if isinstance(brokers, str) else ",".join(brokers)
        if not self.brokers.strip():
            raise ValueError("brokers is empty: pass host:port[,host:port…]")
        self.on_full = on_full
        self.block_timeout = block_timeout
        self.validate = validate
        self.exit_flush_timeout = exit_flush_timeout
        self._on_error = on_error
        # Hot-path senders (activation monitors) that coalesce rows: asked at flush and at close to
        # hand over what they hold, and by the encoder thread when idle to send what waited too long.
        self._flushers: "weakref.WeakSet[Any]" = weakref.WeakSet()
        self._holding = False  # some flusher may hold rows: the encoder thread wakes up to check
        self._lock = threading.Lock()
        self._failures: List[Dict[str, Any]] = []
        self._unreported = 0
        self._dropped_logged = False
        self.stats = {"sent": 0, "delivered": 0, "failed": 0, "dropped": 0}
        settings: Dict[str, Any] = {
            "bootstrap.servers": self.brokers,
            "client.id": "damon-sdk-python",
            "linger.ms": 10,
            "batch.size": 4 * 1024 * 1024,
            "message.max.bytes": MAX_MESSAGE_BYTES + 64 * 1024,
            "queue.buffering.max.kbytes": max_buffer_mb * 1024,
            "queue.buffering.max.messages": 1_000_000,
            # Per-subject order survives retries.
            "enable.idempotence": True,
            "logger": logging.getLogger("damon.kafka"),
            "error_cb": self._on_global_error,
        }
        # Python keywords cannot hold dots: security_protocol=… means security.protocol.
        settings.update({k.replace("_", "."): v for k, v in kafka_config.items()})
        settings.update(config or {})
        self._producer = Producer(settings)
        self._check_reachable(connect_timeout)
        self._closed = threading.Event()
        self._poller = threading.Thread(target=self._poll_loop, name="damon-producer", daemon=True)
        self._poller.start()
        # Work handed over by hot paths (a model's forward pass): encoded, validated and sent here.
        self._pending: "queue.Queue[Tuple[str, Callable[[], Optional[Dict[str, Any]]], Optional[Callable[[BaseException], None]]]]" = queue.Queue(max_pending)
        self._worker = threading.Thread(target=self._work_loop, name="damon-encoder", daemon=True)
        self._worker.start()
        # A weak reference: the exit hook must not keep a dropped client alive.
        ref = weakref.ref(self)
        atexit.register(lambda: (c := ref()) is not None and c.close())

    # -- sending -------------------------------------------------------------------------------
    def send(self, event: str, payload: Dict[str, Any], *, sdk_encoded: bool = False) -> None:
        """Validates ``payload`` against the ``event`` contract and queues it on the event's topic,
        keyed by its subject id (one subject's events stay ordered in a partition).
        ``sdk_encoded``: every vector in it comes from :func:`damon.encode_vectors` (see
        :func:`damon.schemas.validate`); ignored when the client validates ``"full"``."""
        if self._closed.is_set():
            raise RuntimeError("this damon client is closed")
        if self.validate:
            schemas.validate(event, payload, sdk_encoded=sdk_encoded and self.validate != "full")
        topic = TOPIC_OF_EVENT[event]
        value = _serialise(event, payload, binary=self.wire == "binary", validated=bool(self.validate))
        if len(value) > MAX_MESSAGE_BYTES:
            raise ValueError(
                f"{event} of {len(value)} bytes exceeds the {MAX_MESSAGE_BYTES}-byte message limit: send fewer items per batch"
            )
        key = payload["subject"]["id"].encode("utf8")
        deadline = None
        while True:
            try:
                self._producer.produce(topic, value, key, on_delivery=self._on_delivery)
                with self._lock:
                    self.stats["sent"] += 1
                return
            except BufferError:
                if self.on_full == "drop":
                    with self._lock:
                        self.stats["dropped"] += 1
                    if not self._dropped_logged:
                        self._dropped_logged = True
                        log.warning("damon: send buffer full, dropping messages (counted in client.stats['dropped'])")
                    return
                deadline = deadline or time.monotonic() + self.block_timeout
                if time.monotonic() > deadline:
                    raise BackPressureTimeout(
                        f"the send buffer stayed full for {self.block_timeout}s: is the broker at {self.brokers} keeping up?"
                    ) from None
                self._producer.poll(0.05)

    def submit(
        self,
        event: str,
        build: Callable[[], Optional[Dict[str, Any]]],
        on_failure: Optional[Callable[[BaseException], None]] = None,
    ) -> bool:
        """Hands ``build`` (which returns the payload, or None for nothing to send) to the background
        encoder thread, which builds, validates and sends it: the caller pays only for the hand-over.
        A full hand-over queue follows ``on_full`` like the send buffer. Returns False if dropped;
        errors of ``build`` or ``send`` go to ``on_failure`` (or the log)."""
        if self._closed.is_set():
            raise RuntimeError("this damon client is closed")
        try:
            if self.on_full == "drop":
                self._pending.put_nowait((event, build, on_failure))
            else:
                self._pending.put((event, build, on_failure), timeout=self.block_timeout)
            return True
        except queue.Full:
            if self.on_full == "block":
                raise BackPressureTimeout(f"the hand-over queue stayed full for {self.block_timeout}s") from None
            with self._lock:
                self.stats["dropped"] += 1
            return False

    def register_flusher(self, flusher: Any) -> None:
        """``flusher.flush_pending(force)`` returns the work items ``(event, build, on_failure)`` it
        holds back (all of them when ``force``, else those that waited long enough); held weakly."""
        self._flushers.add(flusher)

    def note_held(self) -> None:
        """A flusher started holding rows back: the encoder thread must check it while idle."""
        if not self._holding:
            self._holding = True
            try:
                self._pending.put_nowait(_WAKE)
            except queue.Full:
                pass  # the encoder thread is busy and sees the flag before it next waits

    def _held_back(self, force: bool) -> List[Tuple[str, Callable[[], Optional[Dict[str, Any]]], Optional[Callable[[BaseException], None]]]]:
        work = []
        for flusher in list(self._flushers):
            try:
                work.extend(flusher.flush_pending(force))
            except Exception as error:  # noqa: BLE001
                log.error("damon: could not hand over held-back rows: %r", error)
        return work

    def flush(self, timeout: Optional[float] = None) -> None:
        """Waits until every queued message is delivered or failed; raises :class:`DeliveryError`
        when some failed since the last flush, or :class:`TimeoutError` when some are still queued."""
        for work in self._held_back(force=True):
            self._pending.put(work)
        self._drain(timeout)
        remaining = self._producer.flush(-1 if timeout is None else timeout)
        with self._lock:
            new, self._unreported = self._unreported, 0
            failures = self._failures[-new:] if new else []
        if new:
            raise DeliveryError(
                f"{new} message(s) were not delivered to {self.brokers}; first: {failures[0]['error']}", failures
            )
        if remaining:
            raise TimeoutError(f"{remaining} message(s) still queued for {self.brokers} after {timeout}s")

    def close(self) -> None:
        """Flushes (at most ``exit_flush_timeout`` seconds) and stops the background thread."""
        if self._closed.is_set():
            return
        try:
            for work in self._held_back(force=True):
                self._pending.put(work)
            self._drain(self.exit_flush_timeout)
            remaining = self._producer.flush(self.exit_flush_timeout)
            if remaining:
                log.error("damon: %d message(s) not delivered to %s at close", remaining, self.brokers)
        finally:
            self._closed.set()

    def __enter__(self) -> "Client":
        return self

    def __exit__(self, *exc: Any) -> None:
        self.close()

    @property
    def failures(self) -> List[Dict[str, Any]]:
        """The last delivery failures (topic, key, error), oldest first."""
        with self._lock:
            return list(self._failures)

    # -- librdkafka callbacks ------------------------------------------------------------------
    def _on_delivery(self, err: Any, msg: Any) -> None:
        with self._lock:
            if err is None:
                self.stats["delivered"] += 1
                return
            self.stats["failed"] += 1
            self._unreported += 1
            failure = {"topic": msg.topic(), "key": (msg.key() or b"").decode("utf8", "replace"), "error": str(err)}
            self._failures.append(failure)
            del self._failures[:-1000]
        log.error("damon: delivery to %s failed: %s", failure["topic"], failure["error"])
        if self._on_error is not None:
            self._on_error(failure["error"], failure)

    def _on_global_error(self, err: Any) -> None:
        log.warning("damon: Kafka client error (%s): %s", self.brokers, err)

    def _work_loop(self) -> None:
        while True:
            try:
                # No periodic wake-ups while nothing is held: they would take the GIL from the model.
                work = self._pending.get(timeout=HOLD_TICK_S if self._holding else None)
            except queue.Empty:
                # Idle: send the rows monitors held back longer than their linger (done here, not
                # through the queue, which may be full). The flag is cleared before looking, so a
                # monitor that starts holding meanwhile sets it again and wakes this thread.
                self._holding = False
                for item in self._held_back(force=False):
                    self._build_and_send(*item)
                if any(f.holds_rows() for f in list(self._flushers)):
                    self._holding = True
                continue
            try:
                if work is not _WAKE:
                    self._build_and_send(*work)
            finally:
                self._pending.task_done()

    def _build_and_send(self, event: str, build: Callable[[], Optional[Dict[str, Any]]], on_failure: Optional[Callable[[BaseException], None]]) -> None:
        try:
            payload = build()
            if payload is not None:
                # Builders handed over by the SDK's own hot paths encode their vectors with encode_vectors.
                self.send(event, payload, sdk_encoded=getattr(build, "sdk_encoded", False))
        except Exception as error:  # noqa: BLE001 - reported to the submitter, the thread goes on
            if on_failure is not None:
                on_failure(error)
            else:
                log.error("damon: could not send a %s: %r", event, error)

    def _drain(self, timeout: Optional[float]) -> None:
        deadline = None if timeout is None else time.monotonic() + timeout
        while self._pending.unfinished_tasks:
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError(f"{self._pending.unfinished_tasks} event(s) still being encoded after {timeout}s")
            time.sleep(0.005)

    def _poll_loop(self) -> None:
        while not self._closed.is_set():
            self._producer.poll(0.1)

    def _check_reachable(self, timeout: float) -> None:
        try:
            metadata = self._producer.list_topics(timeout=timeout)
        except KafkaException as error:
            raise BrokerUnreachableError(
                f"no Kafka broker reachable at {self.brokers} within {timeout}s ({error.args[0]}); "
                "check the address (KAFKA_BROKERS) and that the broker is running"
            ) from None
        missing = sorted(set(TOPIC_OF_EVENT.values()) - set(metadata.topics))
        if missing:
            log.warning("damon: topics %s do not exist yet at %s (the damon services create them at start)", missing, self.brokers)


def _serialise(event: str, payload: Dict[str, Any], binary: bool, validated: bool) -> bytes:
    """orjson is ~10× faster than json on a batch, but writes NaN and infinity as null: it is used
    only after validation, which refuses them; unvalidated payloads take json, which raises."""
    try:
        return wire_format.encode_message(payload, binary, checked=validated)
    except ValueError as error:
        raise InvalidEventError(f"{event}: a number is NaN or infinite ({error})") from None


_default: Optional[Client] = None


def connect(brokers: Union[str, Sequence[str], None] = None, **options: Any) -> Client:
    """Connects to damon's Kafka (``brokers`` or ``$KAFKA_BROKERS``) and makes the client the default
    one for monitors, signals, reporters and lineage created without ``client=``."""
    import os

    global _default
    brokers = brokers or os.environ.get("KAFKA_BROKERS")
    if not brokers:
        raise ValueError("damon.connect: pass brokers='host:port' or set KAFKA_BROKERS")
    _default = Client(brokers, **options)
    return _default


def default_client(client: Optional[Client] = None) -> Client:
    if client is not None:
        return client
    if _default is None:
        raise RuntimeError("no damon client: call damon.connect(brokers=…) first or pass client=")
    return _default

