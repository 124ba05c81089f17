"""Fixtures for the SDK's tests: the real Kafka broker (KAFKA_BROKERS), topic readers, and the damon
apps run as child processes the way they are deployed, against the real Kafka and PostgreSQL."""

from __future__ import annotations

import contextlib
import os
import uuid

import pytest

import damon

from support.services import PrivateKafka, ScratchDatabase, ServiceProcess
from support.topic_reader import TopicReader, start_group_at_end


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


@pytest.fixture(scope="session")
def damon_topics(brokers):
    """The damon topics, as the services create them at start (3 partitions), when missing."""
    from confluent_kafka.admin import AdminClient, NewTopic

    import damon

    admin = AdminClient({"bootstrap.servers": brokers})
    wanted = [damon.topics.DATA, damon.topics.TRAINING, damon.topics.REPRESENTATIONS, damon.topics.LINEAGE, damon.topics.SCORES, damon.topics.ALERTS, damon.topics.INCIDENTS, damon.topics.DLQ]
    existing = set(admin.list_topics(timeout=10).topics)
    missing = [NewTopic(t, num_partitions=3, replication_factor=1) for t in wanted if t not in existing]
    for topic, future in (admin.create_topics(missing) if missing else {}).items():
        try:
            future.result(30)
        except Exception as error:  # another process may have created it meanwhile
            if "TOPIC_ALREADY_EXISTS" not in str(error):
                raise
    return wanted


@pytest.fixture
def client(brokers, damon_topics):
    import damon

    c = damon.connect(brokers=brokers)
    yield c
    c.close()


@pytest.fixture
def reader(brokers, damon_topics):
    readers = []

    def make(topic: str) -> TopicReader:
        r = TopicReader(brokers, topic)
        readers.append(r)
        return r

    yield make
    for r in readers:
        r.close()


@contextlib.contextmanager
def damon_stack(brokers: str, database_url: str, reference_size: int, correlator: bool = False):
    """apps/representation-monitor (and apps/correlator) in their own processes with a scratch
    database (migrations applied), each in a fresh consumer group that starts at the topics' end."""
    db = ScratchDatabase.create(database_url)
    services = []
    try:
        services.append(
            ServiceProcess.start(
                "apps/representation-monitor/src/main.ts",
                {
                    "KAFKA_BROKERS": brokers,
                    "DATABASE_URL": db.url,
                    "PORT": "0",
                    "LOG_LEVEL": "info",
                    "MONITOR_GROUP": f"sdk-test-repr-{uuid.uuid4()}",
                    "MONITOR_FROM_BEGINNING": "false",
                    "MONITOR_REFERENCE_SIZE": str(reference_size),
                },
            )
        )
        if correlator:
            group = f"sdk-test-correlator-{uuid.uuid4()}"
            start_group_at_end(brokers, group, [damon.topics.ALERTS, damon.topics.LINEAGE])
            services.append(
                ServiceProcess.start(
                    "apps/correlator/src/main.ts",
                    {"KAFKA_BROKERS": brokers, "DATABASE_URL": db.url, "PORT": "0", "CORRELATOR_GROUP": group, "GROUP_WAIT_SECONDS": "0"},
                )
            )
        for service in services:
            service.wait_for('"msg":"listening"', timeout=180)
        yield services
    finally:
        for service in services:
            service.stop()
        db.drop()


@pytest.fixture(scope="session")
def representation_monitor(brokers, database_url, damon_topics):
    with damon_stack(brokers, database_url, reference_size=200) as (monitor,):
        yield monitor


@pytest.fixture
def private_broker(tmp_path):
    """A broker of our own (for tests that stop it), never the shared one."""
    broker = PrivateKafka.start(tmp_path / "kafka")
    yield broker
    broker.stop()
