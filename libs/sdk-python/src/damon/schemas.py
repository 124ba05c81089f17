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
from .vectors import WIRE_DTYPES


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

    ``sdk_encoded=True`` is for payloads whose vectors :func:`damon.encode_vectors` wrote (base64 by
    construction, finite values checked): every field is checked against the schema except the
    base64 alphabet of ``vectors.data`` — the schema's pattern over a megabyte of base64 is most of
    the validation time of a large batch — and the byte length still has to match the shape."""
    checked = _without_vector_data(payload) if sdk_encoded else payload
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
        padding = 2 if data.endswith("==") else 1 if data.endswith("=") else 0
        size = len(data) // 4 * 3 - padding
        expected = WIRE_DTYPES[vectors["dtype"]].itemsize * math.prod(shape)
        if size != expected:
            raise InvalidEventError(f"{event}: {path}.data: holds {size} bytes but shape {shape} of {vectors['dtype']} needs {expected}")


def _without_vector_data(value: Any) -> Any:
    """``value`` with its vectors' ``data`` replaced by "" (copies only the dicts on the way to a vector)."""
    if isinstance(value, dict):
        if "data" in value and "shape" in value and value.get("dtype") in WIRE_DTYPES and isinstance(value["data"], str):
            return {**value, "data": ""}
        changed = {k: _without_vector_data(v) for k, v in value.items() if isinstance(v, (dict, list))}
        return {**value, **changed} if any(changed[k] is not value[k] for k in changed) else value
    if isinstance(value, list) and value and isinstance(value[0], dict) and "vectors" in value[0]:
        return [_without_vector_data(v) for v in value]
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
