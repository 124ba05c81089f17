"""Fields every event carries (libs/contracts src/envelope.ts)."""

from __future__ import annotations

import uuid
from datetime import datetime, timezone
from typing import Any, Dict, Union

ArtifactRef = Dict[str, str]
KINDS = ("model", "dataset", "run", "edit")


def envelope(kind: str, subject_id: str, event_id: str | None = None) -> Dict[str, Any]:
    return {
        "eventId": event_id or str(uuid.uuid4()),
        "schemaVersion": 1,
        "occurredAt": now_iso(),
        "subject": {"kind": kind, "id": subject_id},
    }


def now_iso() -> str:
    # Milliseconds and "Z": what the contracts' z.iso.datetime accepts and JavaScript produces.
    return datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def ref(value: Union[str, ArtifactRef, Any], default_kind: str) -> ArtifactRef:
    """An artifact reference from an id, a ``{kind, id}`` dict, or an object with ``model_id`` / ``run_id`` / ``dataset_id``."""
    if isinstance(value, str):
        return {"kind": default_kind, "id": value}
    if isinstance(value, dict):
        if value.get("kind") not in KINDS or not value.get("id"):
            raise ValueError(f"artifact reference {value!r} needs kind in {KINDS} and an id")
        return {"kind": value["kind"], "id": str(value["id"])}
    for attr, kind in (("model_id", "model"), ("run_id", "run"), ("dataset_id", "dataset")):
        if isinstance(getattr(value, attr, None), str):
            return {"kind": kind, "id": getattr(value, attr)}
    raise TypeError(f"cannot make a {default_kind} reference of {type(value).__name__}")
