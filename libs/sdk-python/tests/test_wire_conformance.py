"""The SDK against the wire conformance suite of libs/contracts (libs/contracts/conformance, written by
`npm run contracts:json-schema` and checked by libs/contracts/src/wire-conformance.spec.ts): the
same files decode to the same values here, and the SDK encodes the same inputs to the same bytes,
so the Python and TypeScript sides cannot drift. Plus the half-precision rounding against torch's
own casts (an independent reference) and the binary form's framing errors."""

import json
import struct
from pathlib import Path

import numpy as np
import pytest
import torch

import damon
from damon import wire
from damon.schemas import validate
from test_contracts import activation_batch, contract_validator
from support.topic_reader import as_json_form

CONFORMANCE = Path(__file__).resolve().parents[2] / "contracts" / "conformance"
CASES = json.loads((CONFORMANCE / "cases.json").read_text())


def test_the_suite_covers_both_forms_and_every_wire_dtype():
    assert {(c["form"], c["dtype"]) for c in CASES} == {("binary", "float32"), ("binary", "float16"), ("binary", "bfloat16"), ("json", "float32")}
    assert sorted(p.name for p in CONFORMANCE.iterdir() if p.name not in ("cases.json", "README.md")) == sorted(c["file"] for c in CASES)


@pytest.mark.parametrize("case", CASES, ids=[c["file"] for c in CASES])
def test_each_case_decodes_validates_and_reencodes_to_the_same_bytes(case):
    raw = (CONFORMANCE / case["file"]).read_bytes()
    assert wire.is_binary_message(raw) == (case["form"] == "binary")
    event = wire.decode_message(raw)
    vectors = event["layers"][0]["vectors"]
    assert vectors["dtype"] == case["dtype"] and vectors["shape"] == case["shape"]
    assert isinstance(vectors["data"], str) == (case["form"] == "json")
    validate("ActivationBatch", event)
    assert contract_validator("ActivationBatch").is_valid(as_json_form(wire.decode_message(raw)))
    assert damon.decode_vectors(vectors).ravel().tolist() == case["decoded"]
    # The SDK's encoder on the same float32 inputs, in the same event: byte for byte the file.
    event["layers"][0]["vectors"] = damon.encode_vectors(np.asarray(case["input"], dtype=np.float32), case["shape"], dtype=case["dtype"])
    validate("ActivationBatch", event)
    assert damon.encode_message(event, binary=case["form"] == "binary") == raw
    assert damon.encode_message(event, binary=case["form"] == "binary", checked=False) == raw


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_half_precision_rounds_to_nearest_even_as_torch_casts(dtype):
    rng = np.random.default_rng(7)
    values = np.concatenate(
        [
            rng.standard_normal(20000).astype(np.float32) * np.float32(10.0) ** rng.integers(-9, 4, 20000),
            # Exact ties: a float32 whose dropped bits are exactly half a unit of the half dtype.
            (np.arange(1, 2000, dtype=np.uint32) << np.uint32(16 if dtype == "bfloat16" else 13) | np.uint32(0x3F800000 + (0x8000 if dtype == "bfloat16" else 0x1000))).view(np.float32),
        ]
    ).astype(np.float32)
    values = values[np.abs(values) < 60000]
    encoded = damon.encode_vectors(values, dtype=dtype)
    reference = torch.from_numpy(values).to(getattr(torch, dtype))
    assert encoded["data"] == reference.view(torch.int16).numpy().astype("<i2").tobytes()
    np.testing.assert_array_equal(damon.decode_vectors(encoded), reference.float().numpy())


@pytest.mark.parametrize("dtype", ["float16", "bfloat16"])
def test_a_tensor_already_in_the_dtype_is_sent_bit_for_bit(dtype):
    tensor = (torch.randn(4, 5) * 3).to(getattr(torch, dtype))
    encoded = damon.encode_vectors(tensor, dtype=dtype)
    assert encoded["shape"] == [4, 5] and encoded["data"] == tensor.view(torch.int16).numpy().tobytes()
    # A float32 view of the same values encodes to the same bytes (their rounding is exact).
    assert damon.encode_vectors(tensor.float(), dtype=dtype)["data"] == encoded["data"]


def test_values_that_overflow_a_half_dtype_are_rejected_with_their_position():
    with pytest.raises(damon.vectors.VectorEncodingError, match=r"value 65520.0 at row 1, column 0 overflows float16"):
        damon.encode_vectors([[1.0, 2.0], [65520.0, 3.0]], dtype="float16")
    damon.encode_vectors([[65519.0]], dtype="float16")  # rounds down to 65504
    with pytest.raises(damon.vectors.VectorEncodingError, match=r"overflows bfloat16"):
        damon.encode_vectors([3.4e38], dtype="bfloat16")
    with pytest.raises(damon.vectors.VectorEncodingError, match=r"row 0, column 1 is not finite"):
        damon.encode_vectors([[1.0, float("nan")]], dtype="bfloat16")
    with pytest.raises(damon.vectors.VectorEncodingError, match=r"is not finite"):
        damon.encode_vectors(torch.tensor([1.0, float("inf")], dtype=torch.bfloat16), dtype="bfloat16")


def test_validation_checks_the_byte_length_of_every_form():
    good = damon.encode_vectors([[1.0, 2.0, 3.0]], dtype="bfloat16")
    validate("ActivationBatch", activation_batch(good))
    for data in (good["data"][:4], memoryview(good["data"])[:4], {"offset": 0, "length": 4}):
        with pytest.raises(damon.InvalidEventError, match=r"holds 4 bytes but shape \[1, 3\] of bfloat16 needs 6"):
            validate("ActivationBatch", activation_batch({**good, "data": data}))
    validate("ActivationBatch", activation_batch({**good, "data": {"offset": 12, "length": 6}}))
    with pytest.raises(damon.InvalidEventError, match=r"layers\.0\.vectors\.data"):
        validate("ActivationBatch", activation_batch({**good, "data": {"offset": -1, "length": 6}}))


def test_binary_framing_errors_say_what_is_wrong():
    message = damon.encode_message(activation_batch(damon.encode_vectors([[1.0, 2.0, 3.0]])))
    assert message[:5] == b"DMNB\x01" and struct.unpack_from("<I", message, 5)[0] == len(message) - 9 - 12
    with pytest.raises(wire.WireFormatError, match="version 2 is not supported"):
        wire.decode_message(message[:4] + b"\x02" + message[5:])
    with pytest.raises(wire.WireFormatError, match="lie outside the byte section of 11 bytes"):
        wire.decode_message(message[:-1])
    with pytest.raises(wire.WireFormatError, match="overruns"):
        wire.decode_message(message[:9] + b"{}")
    with pytest.raises(wire.WireFormatError, match="shorter than its 9-byte prefix"):
        wire.decode_message(b"DMNB\x01")
    # Without vector bytes, an event is plain JSON in either mode.
    assert damon.encode_message({"a": 1}) == b'{"a":1}'
