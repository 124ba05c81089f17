"""Validation against the JSON Schemas exported from libs/contracts (copied into the package as
``damon/schemas``; a test fails when the copy and libs/contracts/json-schema differ).

Valid events take the fast path, jsonschema-rs (Rust: the pure-Python ``jsonschema`` spends tens of
milliseconds on a 256-item ActivationBatch, too slow for a producer); an invalid one is
described by ``jsonschema``, whose errors name the field the way the contracts' zod errors do."""

from __future__ import annotations

import json
import math
from functools import lru_cache
from importlib import resources
from typing import Any, Dict, Iterator, List, Tuple

import jsonschema_rs
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from .errors import InvalidEventError
from .vectors import WIRE_DTYPE_BYTES, WIRE_DTYPES


@lru_cache(maxsize=None)
def schema(event: str) -> Dict[str, Any]:
    return json.loads(resources.files("damon").joinpath("schemas", f"{event}.schema.json").read_text("utf8"))


@lru_cache(maxsize=None)
def _fast(event: str) -> Any:
    return jsonschema_rs.validator_for(schema(event))


@lru_cache(maxsize=None)
def _described(event: str) -> Draft202012Validator:
    return Draft202012Validator(schema(event))


def validate(event: str, payload: Dict[str, Any], sdk_encoded: bool = False) -> None:
    """Raises :class:`InvalidEventError` naming each bad field (as the contracts' ``describeIssues``).

    A vector's ``data`` may take any of the forms the contracts accept: base64 (the JSON form), the
    bytes themselves (as :func:`damon.encode_vectors` returns them and the binary wire carries them;
    a ``memoryview`` from :func:`damon.wire.decode_message` too), or a binary header's
    ``{"offset", "length"}`` reference. In every form the byte length must match shape × dtype size.

    ``sdk_encoded=True`` is for payloads whose vectors :func:`damon.encode_vectors` wrote (finite
    values checked): every field is checked against the schema except the base64 alphabet of a
    string ``vectors.data`` — the schema's pattern over a megabyte of base64 is most of the
    validation time of a large batch — and the byte length still has to match the shape."""
    checked = _without_vector_data(payload, blank_base64=sdk_encoded)
    if not _fast(event).is_valid(checked):
        errors = [err for e in _described(event).iter_errors(checked) for err in _branch_errors(e)]
        errors.sort(key=lambda e: [str(p) for p in e.absolute_path])
        reasons = "; ".join(f"{'.'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:200]}" for e in errors[:10])
        # jsonschema accepts NaN and infinity as numbers; JSON (and so jsonschema-rs) does not.
        reasons = reasons or "; ".join(f"{path}: {value} is not a finite number" for path, value in _non_finite(checked, ""))
        raise InvalidEventError(f"{event}: {reasons or 'does not match its schema'}")
    # The contracts' zod refinement that JSON Schema cannot express: bytes = product(shape) × itemsize.
    for path, vectors in _vectors(payload, ""):
        data, shape = vectors["data"], vectors["shape"]
        size = _byte_length(data)
        expected = WIRE_DTYPE_BYTES[vectors["dtype"]] * math.prod(shape)
        if size != expected:
            raise InvalidEventError(f"{event}: {path}.data: holds {size} bytes but shape {shape} of {vectors['dtype']} needs {expected}")


_BYTES = (bytes, bytearray, memoryview)


def _byte_length(data: Any) -> int:
    if isinstance(data, str):
        padding = 2 if data.endswith("==") else 1 if data.endswith("=") else 0
        return len(data) // 4 * 3 - padding
    if isinstance(data, memoryview):
        return data.nbytes
    if isinstance(data, (bytes, bytearray)):
        return len(data)
    return int(data["length"])  # a binary header's reference (the schema checked its shape)


def _without_vector_data(value: Any, blank_base64: bool) -> Any:
    """``value`` as the JSON Schema sees it (copies only the dicts on the way to a vector): bytes
    ``data`` become the binary header's ``{"offset": 0, "length": n}`` reference, and, when
    ``blank_base64``, base64 ``data`` becomes ""."""
    if isinstance(value, dict):
        if "data" in value and "shape" in value and value.get("dtype") in WIRE_DTYPES:
            data = value["data"]
            if isinstance(data, _BYTES):
                return {**value, "data": {"offset": 0, "length": _byte_length(data)}}
            if blank_base64 and isinstance(data, str):
                return {**value, "data": ""}
            return value
        changed = {k: _without_vector_data(v, blank_base64) for k, v in value.items() if isinstance(v, (dict, list))}
        return {**value, **changed} if any(changed[k] is not value[k] for k in changed) else value
    if isinstance(value, list) and value and isinstance(value[0], dict) and "vectors" in value[0]:
        return [_without_vector_data(v, blank_base64) for v in value]
    return value


def _non_finite(value: Any, at: str) -> Iterator[Tuple[str, float]]:
    if isinstance(value, float) and not math.isfinite(value):
        yield at or "(root)", value
    elif isinstance(value, dict):
        for k, v in value.items():
            yield from _non_finite(v, f"{at}.{k}" if at else k)
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _non_finite(v, f"{at}.{i}")


def _vectors(value: Any, at: str) -> Iterator[Tuple[str, Dict[str, Any]]]:
    if isinstance(value, dict):
        if "data" in value and "shape" in value and value.get("dtype") in WIRE_DTYPES:
            yield at, value
            return
        for k, v in value.items():
            if isinstance(v, (dict, list)):
                yield from _vectors(v, f"{at}.{k}" if at else k)
    elif isinstance(value, list) and value and isinstance(value[0], (dict, list)):
        for i, v in enumerate(value):
            yield from _vectors(v, f"{at}.{i}")


def _branch_errors(error: ValidationError) -> List[ValidationError]:
    """A union fails as a whole: report the errors of the one branch that fits — the one whose
    discriminator (a ``const``, as TrainingSignal's kinds) matched, the way zod's discriminated union
    does, or whose type matched (``vectors.data``: a base64 string, or a binary wire reference)."""
    if not error.context:
        return [error]
    branches: Dict[Any, List[ValidationError]] = {}
    for e in error.context:
        branches.setdefault(e.relative_schema_path[0], []).append(e)
    def fits(errs: List[ValidationError]) -> bool:
        return not any(e.validator == "const" or (e.validator == "type" and not e.relative_path) for e in errs)

    matching = [errs for errs in branches.values() if fits(errs)]
    return matching[0] if len(matching) == 1 else [error]
