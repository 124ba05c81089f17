"""PyTorch forward hooks that stream per-layer activations to damon (ActivationBatch events)."""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import uuid
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union

from .client import Client, default_client
from .envelope import envelope
from .vectors import encode_vectors

log = logging.getLogger("damon")

Pool = Union[str, Callable[[Any], Any]]


def _pool_mean(t: Any) -> Any:
    return t.mean(dim=1) if t.dim() == 3 else t


def _pool_last(t: Any) -> Any:
    return t[:, -1, :] if t.dim() == 3 else t


POOLS: Dict[str, Callable[[Any], Any]] = {"mean": _pool_mean, "last": _pool_last}


class ActivationMonitor:
    """Attaches forward hooks to the named modules ``layers`` (names as in ``model.named_modules()``)
    and sends, for each sampled forward pass of ``model``, one ActivationBatch with one row per item
    (the batch dimension) and layer. A layer's output of shape ``[batch, tokens, dim]`` is pooled over
    tokens (``"mean"``, ``"last"`` or a callable returning ``[batch, dim]``); ``[batch, dim]`` is sent as is.

    Errors inside the hooks (pooling, encoding, sending) never reach the model's caller: they are
    counted in ``errors`` and logged once.
    """

    def __init__(
        self,
        model: Any,
        layers: Sequence[str],
        model_id: str,
        pool: Pool = "mean",
        sample_rate: float = 1.0,
        client: Optional[Client] = None,
        seed: Optional[int] = None,
    ) -> None:
        modules = dict(model.named_modules())
        unknown = [name for name in layers if name not in modules]
        if unknown or not layers:
            valid = ", ".join(repr(n) for n in modules if n) or "(none)"
            raise ValueError(f"unknown layer(s) {unknown or '(no layers given)'} in {type(model).__name__}; valid names: {valid}")
        if len(set(layers)) != len(layers):
            raise ValueError(f"layers {list(layers)} name one module twice")
        if not 0.0 <= sample_rate <= 1.0:
            raise ValueError(f"sample_rate {sample_rate} must lie in [0, 1]")
        if isinstance(pool, str) and pool not in POOLS:
            raise ValueError(f"pool {pool!r} must be one of {sorted(POOLS)} or a callable")
        self.model = model
        self.layers = list(layers)
        self.model_id = model_id
        self.sample_rate = sample_rate
        self.errors = 0
        self.sent = 0
        self._pool = POOLS[pool] if isinstance(pool, str) else pool
        self._client = default_client(client)
        self._random = random.Random(seed)
        self._state = threading.local()
        self._trusted = 0
        self._logged = False
        self._errors_lock = threading.Lock()
        self._handles = [modules[name].register_forward_hook(self._layer_hook(name)) for name in self.layers]
        self._handles.append(model.register_forward_pre_hook(self._before_forward, with_kwargs=True))
        # always_call: a forward pass that raises must still close the capture it opened.
        self._handles.append(model.register_forward_hook(self._after_forward, with_kwargs=True, always_call=True))

    # -- public API ----------------------------------------------------------------------------
    @contextlib.contextmanager
    def trusted(self) -> Iterator["ActivationMonitor"]:
        """Marks the traffic inside as the trusted reference the baselines are fitted on."""
        self._trusted += 1
        try:
            yield self
        finally:
            self._trusted -= 1

    @contextlib.contextmanager
    def items(self, item_ids: Sequence[str], outputs: Optional[Sequence[Dict[str, Any]]] = None) -> Iterator[None]:
        """Names the items of the next forward passes (default: fresh UUIDs), e.g. request ids."""
        self._state.items = (list(item_ids), list(outputs) if outputs is not None else None)
        try:
            yield
        finally:
            self._state.items = None

    def contrast(self, inputs: Any, observed: Callable[[Any], Any], unobserved: Callable[[Any], Any]) -> Tuple[Any, Any]:
        """Runs the model on ``observed(inputs)`` and on ``unobserved(inputs)`` (the same inputs framed
        with and without an oversight cue) and sends the two batches as one pair (``framing.pairId``,
        items matched by id) for the oversight-contrast detector. Always sampled. Returns both outputs."""
        pair_id = str(uuid.uuid4())
        outputs = []
        item_ids: Optional[List[str]] = None
        self._state.last_items = None
        for variant, frame in (("observed", observed), ("unobserved", unobserved)):
            self._state.framing = {"pairId": pair_id, "variant": variant}
            self._state.force = True
            self._state.pair_items = item_ids
            try:
                outputs.append(self.model(frame(inputs)))
            finally:
                item_ids = getattr(self._state, "last_items", None)
                self._state.framing = None
                self._state.force = False
                self._state.pair_items = None
        return outputs[0], outputs[1]

    def remove(self) -> None:
        """Detaches every hook; the model runs as if never monitored."""
        for handle in self._handles:
            handle.remove()
        self._handles = []

    # -- hooks ---------------------------------------------------------------------------------
    def _before_forward(self, module: Any, args: Any, kwargs: Any) -> None:
        try:
            depth = getattr(self._state, "depth", 0)
            self._state.depth = depth + 1
            if depth > 0:
                return  # a re-entrant call of the model inside its own forward
            capture = getattr(self._state, "force", False) or (
                self.sample_rate >= 1.0 or self._random.random() < self.sample_rate
            )
            self._state.captured = {} if capture else None
        except Exception as error:  # noqa: BLE001 - the user's forward pass must go on
            self._failed(error)

    def _layer_hook(self, name: str) -> Callable[[Any, Any, Any], None]:
        def hook(module: Any, args: Any, output: Any) -> None:
            try:
                captured = getattr(self._state, "captured", None)
                if captured is None:
                    return
                tensor = output[0] if isinstance(output, (tuple, list)) else output
                pooled = self._pool(tensor.detach())
                if pooled.dim() != 2:
                    raise ValueError(f"layer {name!r}: pooled activations have shape {list(pooled.shape)}, expected [batch, dim]")
                # Copy to host now: a later in-place op of the model must not change what is sent.
                captured[name] = pooled.float().cpu().numpy()
            except Exception as error:  # noqa: BLE001
                self._failed(error)

        return hook

    def _after_forward(self, module: Any, args: Any, kwargs: Any, output: Any) -> None:
        try:
            self._state.depth = getattr(self._state, "depth", 1) - 1
            if self._state.depth > 0:
                return
            captured = getattr(self._state, "captured", None)
            self._state.captured = None
            if not captured or output is None:  # nothing sampled, or the forward pass raised
                return
            self._send(captured)
        except Exception as error:  # noqa: BLE001
            self._failed(error)

    def _send(self, captured: Dict[str, Any]) -> None:
        missing = [n for n in self.layers if n not in captured]
        if missing:
            raise ValueError(f"layer(s) {missing} did not run in this forward pass")
        rows = {captured[n].shape[0] for n in self.layers}
        if len(rows) != 1:
            raise ValueError(f"layers disagree on the batch size: {sorted(rows)}")
        n = rows.pop()
        named = getattr(self._state, "items", None)
        pair_items = getattr(self._state, "pair_items", None)
        if pair_items is not None:
            item_ids, outputs = pair_items, None
        elif named:
            item_ids, outputs = named
        else:
            item_ids, outputs = [str(uuid.uuid4()) for _ in range(n)], None
        if len(item_ids) != n:
            raise ValueError(f"{len(item_ids)} item ids for a batch of {n}")
        self._state.last_items = item_ids
        items = [{"itemId": i} for i in item_ids]
        if outputs:
            for item, out in zip(items, outputs):
                item["output"] = out
        head = {**envelope("model", self.model_id), "batchId": str(uuid.uuid4()), "trusted": self._trusted > 0, "items": items}
        framing = getattr(self._state, "framing", None)
        if framing:
            head["framing"] = dict(framing)

        # Encoding and validation run on the client's encoder thread, off the forward pass.
        def build() -> Dict[str, Any]:
            layers = [{"name": n, "dim": int(captured[n].shape[1]), "vectors": encode_vectors(captured[n])} for n in self.layers]
            return {**head, "layers": layers}

        if self._client.submit("ActivationBatch", build, self._failed):
            self.sent += 1

    def _failed(self, error: BaseException) -> None:
        with self._errors_lock:  # also called from the client's encoder thread
            self.errors += 1
            first, self._logged = not self._logged, True
        if first:
            log.warning("damon: activation monitor of %s failed (the forward pass goes on; further errors are only counted in .errors): %r", self.model_id, error, exc_info=error)
