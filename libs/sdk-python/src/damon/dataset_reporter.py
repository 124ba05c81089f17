"""Stage 1 telemetry: batches of generated or curated training samples (DatasetBatch events)."""

from __future__ import annotations

import contextlib
import hashlib
import uuid
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Union

from .client import Client, default_client
from .envelope import envelope, ref
from .vectors import WIRE_DTYPE_BYTES, encode_vectors


class DatasetReporter:
    """Reports batches of samples of ``dataset_id``; ``embed(samples)`` returns one vector per sample
    (``[n, dim]``). ``generator`` (a model id) and ``curator`` (an id or ``{kind, id}``) name who made
    and who filtered the samples. ``dtype`` is the embeddings' wire dtype (``"float32"``, ``"float16"``
    or ``"bfloat16"``; a torch tensor already in it is sent as it is)."""

    def __init__(
        self,
        dataset_id: str,
        embed: Optional[Callable[[Sequence[Any]], Any]] = None,
        generator: Optional[str] = None,
        curator: Union[str, Dict[str, str], None] = None,
        client: Optional[Client] = None,
        dtype: str = "float32",
    ) -> None:
        if dtype not in WIRE_DTYPE_BYTES:
            raise ValueError(f"dtype {dtype!r} must be one of {', '.join(WIRE_DTYPE_BYTES)}")
        self.dtype = dtype
        self.dataset_id = dataset_id
        self.embed = embed
        self.generator = generator
        self.curator = curator
        self._client = default_client(client)
        self._trusted = 0

    @contextlib.contextmanager
    def trusted(self) -> Iterator["DatasetReporter"]:
        self._trusted += 1
        try:
            yield self
        finally:
            self._trusted -= 1

    def report(
        self,
        samples: Sequence[Any],
        labels: Optional[Sequence[str]] = None,
        accepted: Optional[Sequence[bool]] = None,
        slices: Optional[Sequence[str]] = None,
        sample_ids: Optional[Sequence[str]] = None,
        features: Optional[Sequence[Dict[str, float]]] = None,
        embeddings: Any = None,
    ) -> str:
        """Sends one DatasetBatch; text samples are sent only as SHA-256 hashes. Returns the batch id."""
        n = len(samples)
        for name, column in (("labels", labels), ("accepted", accepted), ("slices", slices), ("sample_ids", sample_ids), ("features", features)):
            if column is not None and len(column) != n:
                raise ValueError(f"{name} has {len(column)} entries for {n} samples")
        rows: List[Dict[str, Any]] = []
        for i, sample in enumerate(samples):
            row: Dict[str, Any] = {"sampleId": sample_ids[i] if sample_ids is not None else str(uuid.uuid4())}
            if isinstance(sample, (str, bytes)):
                row["textHash"] = hashlib.sha256(sample.encode() if isinstance(sample, str) else sample).hexdigest()
            if labels is not None:
                row["label"] = str(labels[i])
            if slices is not None:
                row["slice"] = str(slices[i])
            if accepted is not None:
                row["accepted"] = bool(accepted[i])
            if features is not None:
                row["features"] = {k: float(v) for k, v in features[i].items()}
            rows.append(row)
        batch_id = str(uuid.uuid4())
        event: Dict[str, Any] = {**envelope("dataset", self.dataset_id), "batchId": batch_id, "trusted": self._trusted > 0, "samples": rows}
        if embeddings is None and self.embed is not None:
            embeddings = self.embed(samples)
        if embeddings is not None:
            vectors = encode_vectors(embeddings, dtype=self.dtype)
            if len(vectors["shape"]) != 2 or vectors["shape"][0] != n:
                raise ValueError(f"embeddings of shape {vectors['shape']} must have one row per sample ({n})")
            event["embeddings"] = vectors
        if self.generator is not None:
            event["generator"] = ref(self.generator, "model")
        if self.curator is not None:
            event["curator"] = ref(self.curator, "model")
        self._client.send("DatasetBatch", event)
        return batch_id
