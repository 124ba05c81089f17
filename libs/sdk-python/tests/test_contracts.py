"""The SDK against libs/contracts: the vector encoding, the shipped JSON Schemas, the topic names."""

import base64
import json
import struct
from importlib import resources
from pathlib import Path

import numpy as np
import pytest
from jsonschema import Draft202012Validator

import damon
from damon import topics
from damon.schemas import validate

CONTRACTS = Path(__file__).resolve().parents[2] / "contracts" / "json-schema"


def test_vectors_are_little_endian_float32_row_major_with_shape_and_base64_in_the_json_form():
    values = [[1.5, -2.0, 3.25], [0.0, 1e-3, -7.0]]
    encoded = damon.encode_vectors(values)
    assert encoded["dtype"] == "float32" and encoded["shape"] == [2, 3]
    # Independent reference: struct's explicit little-endian float packing, row by row.
    expected = struct.pack("<6f", *[v for row in values for v in row])
    assert encoded["data"] == expected
    assert np.array_equal(damon.decode_vectors(encoded), np.asarray(values, dtype=np.float32))
    as_json = json.loads(damon.encode_message({"vectors": encoded}, binary=False))
    assert as_json["vectors"]["data"] == base64.b64encode(expected).decode()
    assert np.array_equal(damon.decode_vectors(as_json["vectors"]), np.asarray(values, dtype=np.float32))


def test_vectors_from_big_endian_and_float64_input_are_converted():
    big = np.arange(6, dtype=">f8").reshape(3, 2)
    assert damon.encode_vectors(big)["data"] == struct.pack("<6f", *range(6))


@pytest.mark.parametrize("bad", [float("nan"), float("inf"), -float("inf")])
def test_non_finite_values_are_rejected_with_their_position(bad):
    with pytest.raises(damon.vectors.VectorEncodingError, match=r"row 1, column 0 is not finite"):
        damon.encode_vectors([[1.0, 2.0], [bad, 3.0]])


def test_unknown_wire_dtype_and_bad_shapes_are_rejected():
    with pytest.raises(damon.vectors.VectorEncodingError, match="dtype 'float64'"):
        damon.encode_vectors([1.0], dtype="float64")
    with pytest.raises(damon.vectors.VectorEncodingError, match="do not fill shape"):
        damon.encode_vectors([1.0, 2.0, 3.0], shape=[2, 2])
    with pytest.raises(damon.vectors.VectorEncodingError, match="1 or 2 dimensions"):
        damon.encode_vectors(np.zeros((2, 2, 2)))


def test_the_shipped_schemas_are_the_ones_exported_from_libs_contracts():
    shipped = {p.name: json.loads(p.read_text()) for p in resources.files("damon").joinpath("schemas").iterdir() if p.name.endswith(".schema.json")}
    exported = {p.name: json.loads(p.read_text()) for p in CONTRACTS.glob("*.schema.json")}
    assert sorted(shipped) == sorted(exported), "run npm run contracts:json-schema (writes both copies)"
    for name in exported:
        assert shipped[name] == exported[name], f"{name} drifted: run npm run contracts:json-schema"


def test_topic_names_are_the_frozen_ones_of_the_contracts():
    for event, topic in topics.TOPIC_OF_EVENT.items():
        assert json.loads((CONTRACTS / f"{event}.schema.json").read_text())["x-damon-topic"] == topic
    for event, topic in [("ScoreBatch", topics.SCORES), ("StageAlert", topics.ALERTS), ("IncidentEvent", topics.INCIDENTS), ("DeadLetter", topics.DLQ)]:
        assert json.loads((CONTRACTS / f"{event}.schema.json").read_text())["x-damon-topic"] == topic


def test_invalid_events_are_refused_naming_the_field():
    event = {"eventId": "e", "schemaVersion": 1, "occurredAt": "2026-01-01T00:00:00.000Z", "subject": {"kind": "run", "id": "r"}, "step": -1, "kind": "loss", "value": 1.0}
    with pytest.raises(damon.InvalidEventError, match=r"step: -1 is less than the minimum"):
        validate("TrainingSignal", event)


def contract_validator(event: str) -> Draft202012Validator:
    """Validates against the repository's exported schema, not the package's copy."""
    return Draft202012Validator(json.loads((CONTRACTS / f"{event}.schema.json").read_text()))


def activation_batch(vectors):
    return {
        "eventId": "e1", "schemaVersion": 1, "occurredAt": "2026-01-01T00:00:00.000Z", "subject": {"kind": "model", "id": "m"},
        "batchId": "b", "trusted": False, "items": [{"itemId": "i"}], "layers": [{"name": "h", "dim": 3, "vectors": vectors}],
    }


def test_the_byte_length_must_match_the_shape_as_the_contracts_refinement_says():
    good = activation_batch(damon.encode_vectors([[1.0, 2.0, 3.0]]))
    validate("ActivationBatch", good)
    assert contract_validator("ActivationBatch").is_valid(json.loads(damon.encode_message(good, binary=False)))
    short = activation_batch({**damon.encode_vectors([[1.0, 2.0]]), "shape": [1, 3]})
    with pytest.raises(damon.InvalidEventError, match=r"layers\.0\.vectors\.data: holds 8 bytes but shape \[1, 3\] of float32 needs 12"):
        validate("ActivationBatch", short)
    not_base64 = activation_batch({"dtype": "float32", "shape": [1, 3], "data": "AAAA!AAAAAAA"})
    with pytest.raises(damon.InvalidEventError, match=r"layers\.0\.vectors\.data: 'AAAA!AAAAAAA' does not match"):
        validate("ActivationBatch", not_base64)
    assert not contract_validator("ActivationBatch").is_valid(not_base64)


def test_sdk_encoded_validation_skips_only_the_base64_alphabet():
    good = activation_batch(damon.encode_vectors([[1.0, 2.0, 3.0]]))
    validate("ActivationBatch", good, sdk_encoded=True)
    # What it skips: the alphabet (encode_vectors writes base64 by construction)…
    validate("ActivationBatch", activation_batch({"dtype": "float32", "shape": [1, 3], "data": "AAAA!AAAAAAAAAAA"}), sdk_encoded=True)
    # …and nothing else: the byte length, the envelope, ids and numbers are still checked.
    short = activation_batch({**damon.encode_vectors([[1.0, 2.0]]), "shape": [1, 3]})
    with pytest.raises(damon.InvalidEventError, match=r"layers\.0\.vectors\.data: holds 8 bytes but shape \[1, 3\] of float32 needs 12"):
        validate("ActivationBatch", short, sdk_encoded=True)
    with pytest.raises(damon.InvalidEventError, match=r"subject\.id: 'mmmm"):
        validate("ActivationBatch", {**good, "subject": {"kind": "model", "id": "m" * 300}}, sdk_encoded=True)
    with pytest.raises(damon.InvalidEventError, match=r"layers\.0\.vectors\.dtype"):
        validate("ActivationBatch", activation_batch({**damon.encode_vectors([[1.0, 2.0, 3.0]]), "dtype": "float64"}), sdk_encoded=True)
    assert good["layers"][0]["vectors"]["data"] != ""  # the payload itself is not changed
