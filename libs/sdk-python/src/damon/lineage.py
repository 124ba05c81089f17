"""Edges of the lineage graph (LineageEdge events): how datasets, runs, models and edits derive
from each other. Each argument is an id (of the kind the relation implies) or a ``{kind, id}`` dict."""

from __future__ import annotations

from typing import Any, Dict, Optional

from .client import Client, default_client
from .envelope import envelope, ref


def _edge(relation: str, source: Any, source_kind: str, target: Any, target_kind: str, client: Optional[Client]) -> Dict[str, Any]:
    a, b = ref(source, source_kind), ref(target, target_kind)
    # The envelope's subject is the `to` artifact, whose provenance the edge describes.
    event = {**envelope(b["kind"], b["id"]), "from": a, "to": b, "relation": relation}
    if a == b:
        raise ValueError(f"an artifact cannot be linked to itself: {a}")
    default_client(client).send("LineageEdge", event)
    return event


def generated(model: Any, dataset: Any, client: Optional[Client] = None) -> Dict[str, Any]:
    """``model`` generated (samples of) ``dataset``."""
    return _edge("generated", model, "model", dataset, "dataset", client)


def trained(dataset: Any, run: Any, client: Optional[Client] = None) -> Dict[str, Any]:
    """``dataset`` trained ``run``."""
    return _edge("trained", dataset, "dataset", run, "run", client)


def rewarded(reward_model: Any, run: Any, client: Optional[Client] = None) -> Dict[str, Any]:
    """``reward_model`` rewarded ``run``."""
    return _edge("rewarded", reward_model, "model", run, "run", client)


def produced(run: Any, model: Any, client: Optional[Client] = None) -> Dict[str, Any]:
    """``run`` produced ``model``."""
    return _edge("produced", run, "run", model, "model", client)


def edited(edit: Any, model: Any, client: Optional[Client] = None) -> Dict[str, Any]:
    """``edit`` edited ``model``."""
    return _edge("edited", edit, "edit", model, "model", client)
