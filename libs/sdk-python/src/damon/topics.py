"""The frozen topic names of libs/contracts (src/*.event.ts); a rename there is a new topic."""

DATA = "damon.telemetry.data"
TRAINING = "damon.telemetry.training"
REPRESENTATIONS = "damon.telemetry.repr"
LINEAGE = "damon.lineage"
SCORES = "damon.scores"
ALERTS = "damon.alerts"
INCIDENTS = "damon.incidents"
DLQ = "damon.dlq"

#: Event (JSON Schema title) -> topic, for the events the SDK produces.
TOPIC_OF_EVENT = {
    "DatasetBatch": DATA,
    "TrainingSignal": TRAINING,
    "ActivationBatch": REPRESENTATIONS,
    "LineageEdge": LINEAGE,
}
