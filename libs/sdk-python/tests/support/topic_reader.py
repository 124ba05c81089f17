"""Reads what arrives on a topic after the reader was made (from the partitions' end offsets then)."""

from __future__ import annotations

import base64
import time
import uuid
from typing import Any, Callable, Dict, List

from confluent_kafka import Consumer, TopicPartition

from damon import wire


def as_json_form(node: Any) -> Any:
    """A decoded binary message as its JSON form would read (vector bytes as base64), in place."""
    if isinstance(node, dict):
        for key, value in node.items():
            if isinstance(value, memoryview):
                node[key] = base64.b64encode(value).decode("ascii")
            else:
                as_json_form(value)
    elif isinstance(node, list):
        for value in node:
            as_json_form(value)
    return node


class TopicReader:
    def __init__(self, brokers: str, topic: str) -> None:
        self.topic = topic
        #: Each message as the JSON form reads (a binary one's vector bytes as base64), so the exported
        #: JSON Schemas validate it; ``forms`` says which form each came in.
        self.messages: List[Dict[str, Any]] = []
        self.forms: List[str] = []
        self.keys: List[str] = []
        self._consumer = Consumer(
            {"bootstrap.servers": brokers, "group.id": f"sdk-test-{uuid.uuid4()}", "enable.auto.commit": False, "fetch.message.max.bytes": 32 * 1024 * 1024}
        )
        partitions = self._consumer.list_topics(topic, timeout=10).topics[topic].partitions
        assignment = []
        for p in partitions:
            _low, high = self._consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
            assignment.append(TopicPartition(topic, p, high))
        self._consumer.assign(assignment)

    def read_until(self, done: Callable[[List[Dict[str, Any]]], bool], keep: Callable[[Dict[str, Any]], bool], timeout: float = 30.0) -> List[Dict[str, Any]]:
        """Collects messages that ``keep`` accepts until ``done(kept)`` holds; fails after ``timeout``."""
        deadline = time.monotonic() + timeout
        while not done([m for m in self.messages if keep(m)]):
            if time.monotonic() > deadline:
                kept = [m for m in self.messages if keep(m)]
                raise AssertionError(f"timed out after {timeout}s on {self.topic}: {len(kept)} matching of {len(self.messages)} messages")
            msg = self._consumer.poll(0.2)
            if msg is None or msg.error():
                continue
            self._record(msg)
        return [m for m in self.messages if keep(m)]

    def for_subject(self, subject_id: str, count: int, timeout: float = 30.0) -> List[Dict[str, Any]]:
        return self.read_until(lambda kept: len(kept) >= count, lambda m: m.get("subject", {}).get("id") == subject_id, timeout)

    def drain(self, seconds: float) -> None:
        """Keeps reading for ``seconds`` (to see that nothing more arrives)."""
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            msg = self._consumer.poll(0.2)
            if msg is not None and not msg.error():
                self._record(msg)

    def _record(self, msg: Any) -> None:
        value = msg.value()
        self.forms.append("binary" if wire.is_binary_message(value) else "json")
        self.messages.append(as_json_form(wire.decode_message(value)))
        self.keys.append((msg.key() or b"").decode())

    def form_of(self, message: Dict[str, Any]) -> str:
        return self.forms[next(i for i, m in enumerate(self.messages) if m is message)]

    def close(self) -> None:
        self._consumer.close()


def start_group_at_end(brokers: str, group: str, topics: List[str]) -> None:
    """Commits the topics' current end offsets for ``group``: a service joining it starts there, not
    at the history other tests left on the shared broker."""
    consumer = Consumer({"bootstrap.servers": brokers, "group.id": group, "enable.auto.commit": False})
    offsets = []
    for topic in topics:
        for p in consumer.list_topics(topic, timeout=10).topics[topic].partitions:
            _low, high = consumer.get_watermark_offsets(TopicPartition(topic, p), timeout=10)
            offsets.append(TopicPartition(topic, p, high))
    consumer.commit(offsets=offsets, asynchronous=False)
    consumer.close()
