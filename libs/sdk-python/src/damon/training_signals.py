"""Stage 2 telemetry: the training signals of one run (TrainingSignal events)."""

from __future__ import annotations

import contextlib
import zlib
from typing import Any, Dict, Iterator, Optional, Sequence, Tuple, Union

import numpy as np

from .client import Client, default_client
from .envelope import envelope, ref
from .vectors import encode_vectors

#: Width of the gradient direction sketch (signal monitor: cosine distance to the trusted mean direction).
SKETCH_DIM = 64


class TrainingSignals:
    """Sends a run's rewards, losses, KL, gradient statistics, preferences and parameter edits.
    ``source`` names the reward or preference model that produced the signals, if any."""

    def __init__(self, run_id: str, source: Optional[str] = None, client: Optional[Client] = None, sketch_dim: int = SKETCH_DIM, seed: int = 0) -> None:
        self.run_id = run_id
        self.source = source
        self.sketch_dim = sketch_dim
        self.seed = seed
        self._client = default_client(client)
        self._trusted = 0
        self._sketches: Dict[Tuple[str, int], Tuple[Any, Any]] = {}

    @contextlib.contextmanager
    def trusted(self) -> Iterator["TrainingSignals"]:
        """Marks the signals inside as the run's trusted reference."""
        self._trusted += 1
        try:
            yield self
        finally:
            self._trusted -= 1

    def log(
        self,
        step: int,
        reward: Optional[float] = None,
        reference_reward: Optional[float] = None,
        loss: Optional[float] = None,
        kl: Optional[float] = None,
        grad_norm: Optional[float] = None,
        kl_budget: Optional[float] = None,
    ) -> int:
        """One event per value given; returns how many were sent. ``kl_budget`` (> 0) is the KL the run
        is trained against, sent with ``kl``: the signal monitor watches KL relative to it."""
        sent = 0
        if reward is not None:
            extra = {"referenceValue": float(reference_reward)} if reference_reward is not None else {}
            sent += self._send(step, "reward", value=float(reward), **extra)
        elif reference_reward is not None:
            raise ValueError("reference_reward needs reward")
        if loss is not None:
            sent += self._send(step, "loss", value=float(loss))
        if kl is not None:
            if kl_budget is not None and not float(kl_budget) > 0:
                raise ValueError(f"kl_budget must be > 0, got {kl_budget}")
            budget = {"budget": float(kl_budget)} if kl_budget is not None else {}
            sent += self._send(step, "kl", value=float(kl), **budget)
        elif kl_budget is not None:
            raise ValueError("kl_budget needs kl")
        if grad_norm is not None:
            sent += self._send(step, "grad_stats", norm=float(grad_norm))
        return sent

    def log_preferences(
        self,
        step: int,
        pair_ids: Sequence[str],
        preferred: Sequence[str],
        reference_preferred: Optional[Sequence[str]] = None,
        margins: Optional[Sequence[float]] = None,
    ) -> int:
        """One preference event per pair; ``preferred`` holds "a" or "b" per pair."""
        if len(pair_ids) != len(preferred):
            raise ValueError(f"{len(pair_ids)} pair ids but {len(preferred)} preferences")
        for i, pair_id in enumerate(pair_ids):
            extra: Dict[str, Any] = {}
            if reference_preferred is not None:
                extra["referencePreferred"] = reference_preferred[i]
            if margins is not None:
                extra["margin"] = float(margins[i])
            self._send(step, "preference", pairId=pair_id, preferred=preferred[i], **extra)
        return len(pair_ids)

    def log_gradients(self, model: Any, step: int) -> float:
        """Sends the global gradient L2 norm and a ``sketch_dim``-wide direction summary: a CountSketch
        of all gradients (each coordinate added, with a seeded random sign, to a seeded random bucket),
        which preserves inner products, hence cosine distances, in expectation. Returns the norm."""
        import torch

        sketch = torch.zeros(self.sketch_dim, dtype=torch.float64)
        total = 0.0
        for name, parameter in model.named_parameters():
            grad = parameter.grad
            if grad is None:
                continue
            flat = grad.detach().reshape(-1).to(torch.float64).cpu()
            total += float(flat.pow(2).sum())
            buckets, signs = self._sketch_of(name, flat.numel())
            sketch.index_add_(0, buckets, flat * signs)
        norm = total**0.5
        length = float(sketch.norm())
        direction = (sketch / length if length > 0 else sketch).numpy()
        self._send(step, "grad_stats", norm=norm, direction=encode_vectors(direction))
        return norm

    def log_edit(self, model_id: str, layer: str, delta: Any, step: int = 0, rank: Optional[int] = None) -> None:
        """A parameter edit of ``model_id``'s ``layer``: ``delta`` as a dense matrix, as low-rank factors
        ``(a, b)`` with delta = a·bᵀ, or a dense matrix reduced to ``rank`` factors by truncated SVD."""
        fields: Dict[str, Any] = {"target": ref(model_id, "model"), "layer": layer}
        if isinstance(delta, tuple):
            a, b = (_matrix(x) for x in delta)
            fields["factors"] = {"a": encode_vectors(a), "b": encode_vectors(b)}
        elif rank is not None:
            dense = _matrix(delta)
            u, s, vt = np.linalg.svd(dense.astype(np.float64), full_matrices=False)
            fields["factors"] = {"a": encode_vectors(u[:, :rank] * s[:rank]), "b": encode_vectors(vt[:rank].T)}
        else:
            fields["dense"] = encode_vectors(_matrix(delta))
        self._send(step, "param_edit", **fields)

    def _sketch_of(self, name: str, size: int) -> Tuple[Any, Any]:
        import torch

        key = (name, size)
        if key not in self._sketches:
            generator = torch.Generator().manual_seed(self.seed * 1_000_003 + zlib.crc32(name.encode()))
            buckets = torch.randint(0, self.sketch_dim, (size,), generator=generator)
            signs = torch.randint(0, 2, (size,), generator=generator, dtype=torch.float64) * 2 - 1
            self._sketches[key] = (buckets, signs)
        return self._sketches[key]

    def _send(self, step: int, kind: str, **fields: Any) -> int:
        event: Dict[str, Any] = {**envelope("run", self.run_id), "step": int(step), "kind": kind, **fields}
        if self.source is not None:
            event["source"] = ref(self.source, "model")
        if self._trusted > 0:
            event["trusted"] = True
        self._client.send("TrainingSignal", event)
        return 1


def _matrix(value: Union[Any, np.ndarray]) -> np.ndarray:
    if hasattr(value, "detach"):
        value = value.detach().float().cpu().numpy()
    array = np.asarray(value, dtype=np.float32)
    return array.reshape(-1, 1) if array.ndim == 1 else array
