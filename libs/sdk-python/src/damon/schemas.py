"""Validation against the JSON Schemas exported from libs/contracts (copied into the package as
``damon/schemas``; a test fails when the copy and libs/contracts/json-schema differ)."""

from __future__ import annotations

import json
from functools import lru_cache
from importlib import resources
from typing import Any, Dict, List

from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError

from .errors import InvalidEventError


@lru_cache(maxsize=None)
def validator(event: str) -> Draft202012Validator:
    text = resources.files("damon").joinpath("schemas", f"{event}.schema.json").read_text("utf8")
    return Draft202012Validator(json.loads(text))


def validate(event: str, payload: Dict[str, Any]) -> None:
    """Raises :class:`InvalidEventError` naming each bad field (as the contracts' ``describeIssues``)."""
    errors = [err for e in validator(event).iter_errors(payload) for err in _branch_errors(e)]
    errors.sort(key=lambda e: [str(p) for p in e.absolute_path])
    if errors:
        reasons = "; ".join(f"{'.'.join(map(str, e.absolute_path)) or '(root)'}: {e.message[:200]}" for e in errors[:10])
        raise InvalidEventError(f"{event}: {reasons}")


def _branch_errors(error: ValidationError) -> List[ValidationError]:
    """A union (TrainingSignal's kinds) fails as a whole: report the errors of the branch whose
    discriminator (a ``const``) matched, the way zod's discriminated union does."""
    if not error.context:
        return [error]
    branches: Dict[Any, List[ValidationError]] = {}
    for e in error.context:
        branches.setdefault(e.relative_schema_path[0], []).append(e)
    matching = [errs for errs in branches.values() if not any(e.validator == "const" for e in errs)]
    return matching[0] if len(matching) == 1 else [error]
