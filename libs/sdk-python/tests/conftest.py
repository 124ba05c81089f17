"""Fixtures for the SDK's tests: the real Kafka broker (KAFKA_BROKERS), topic readers, and the damon
apps run as child processes the way they are deployed, against the real Kafka and PostgreSQL."""

from __future__ import annotations

import os
import uuid

import pytest

from support.services import ScratchDatabase, ServiceProcess
from support.topic_reader import TopicReader


@pytest.fixture(scope="session")
def brokers() -> str:
    value = os.environ.get("KAFKA_BROKERS")
    if not value:
        pytest.fail("KAFKA_BROKERS is not set: run through `node libs/sdk-python/run-pytest.mjs` or export the broker")
    return value


@pytest.fixture(scope="session")
def database_url() -> str:
    value = os.environ.get("DATABASE_URL")
    if not value:
        pytest.fail("DATABASE_URL is not set: run through `node libs/sdk-python/run-pytest.mjs` or export the server")
    return value


@pytest.fixture
def client(brokers):
    import damon

    c = damon.connect(brokers=brokers)
    yield c
    c.close()


@pytest.fixture
def reader(brokers):
    readers = []

    def make(topic: str) -> TopicReader:
        r = TopicReader(brokers, topic)
        readers.append(r)
        return r

    yield make
    for r in readers:
        r.close()


@pytest.fixture(scope="session")
def representation_monitor(brokers, database_url):
    """apps/representation-monitor in its own process with a scratch database (migrations applied)."""
    db = ScratchDatabase.create(database_url)
    service = ServiceProcess.start(
        "apps/representation-monitor/src/main.ts",
        {
            "KAFKA_BROKERS": brokers,
            "DATABASE_URL": db.url,
            "PORT": "0",
            "LOG_LEVEL": "info",
            "MONITOR_GROUP": f"sdk-test-repr-{uuid.uuid4()}",
            "MONITOR_FROM_BEGINNING": "false",
            "MONITOR_REFERENCE_SIZE": "200",
        },
    )
    try:
        service.wait_for('"msg":"listening"', timeout=180)
        yield service
    finally:
        service.stop()
        db.drop()
