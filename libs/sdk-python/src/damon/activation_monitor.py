"""PyTorch forward hooks that stream per-layer activations to damon (ActivationBatch events)."""

from __future__ import annotations

import contextlib
import logging
import random
import threading
import time
import uuid
from typing import Any, Callable, Dict, Iterator, List, Optional, Sequence, Tuple, Union

from .client import Client, default_client
from .envelope import envelope
from .vectors import WIRE_DTYPES, _as_wire_array, encode_wire_array

try:
    import numpy as np
except ImportError:  # pragma: no cover - numpy is a dependency of the SDK
    np = None  # type: ignore[assignment]

log = logging.getLogger("damon")

Pool = Union[str, Callable[[Any], Any]]


def _pool_mean(t: Any) -> Any:
    return t.mean(dim=1) if t.dim() == 3 else t


def _pool_last(t: Any) -> Any:
    return t[:, -1, :] if t.dim() == 3 else t


POOLS: Dict[str, Callable[[Any], Any]] = {"mean": _pool_mean, "last": _pool_last}


class _Rows:
    """Rows of consecutive sampled forward passes, coalesced into one ActivationBatch: one
    preallocated buffer per layer in the wire representation of the monitor's dtype, the item ids (None: a fresh UUID at build time) and outputs."""

    __slots__ = ("trusted", "buffers", "rows", "item_ids", "outputs", "started", "passes")

    def __init__(self, trusted: bool, shapes: Dict[str, int], capacity: int, dtype: str = "float32") -> None:
        self.trusted = trusted
        self.buffers = {name: np.empty((capacity, dim), dtype=WIRE_DTYPES[dtype]) for name, dim in shapes.items()}
        self.rows = 0
        self.item_ids: List[Optional[str]] = []
        self.outputs: Optional[List[Dict[str, Any]]] = None
        self.started = time.monotonic()
        self.passes = 0

    def fits(self, trusted: bool, arrays: Dict[str, Any], n: int) -> bool:
        return (
            trusted == self.trusted
            and self.rows + n <= len(next(iter(self.buffers.values())))
            and all(self.buffers[name].shape[1] == a.shape[1] for name, a in arrays.items())
        )


class ActivationMonitor:
    """Attaches forward hooks to the named modules ``layers`` (names as in ``model.named_modules()``)
    and sends, for each sampled forward pass of ``model``, one ActivationBatch with one row per item
    (the batch dimension) and layer. A layer's output of shape ``[batch, tokens, dim]`` is pooled over
    tokens (``"mean"``, ``"last"`` or a callable returning ``[batch, dim]``); ``[batch, dim]`` is sent as is.

    ``dtype`` is the wire dtype of the vectors: ``"float32"`` (the default), ``"float16"`` or
    ``"bfloat16"`` (half the bytes). A layer whose pooled output is already in that dtype (a model
    running in bf16 with ``dtype="bfloat16"``) is sent as it is, without upcasting; any other output
    is rounded to it (nearest, ties to even, as the contracts' encoder).

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
        max_rows: int = 256,
        linger: float = 0.2,
        dtype: str = "float32",
    ) -> None:
        if dtype not in WIRE_DTYPES:
            raise ValueError(f"dtype {dtype!r} must be one of {', '.join(WIRE_DTYPES)}")
        modules = dict(model.named_modules())
        unknown = [name for name in layers if name not in modules]
        if unknown or not layers:
            valid = ", ".join(repr(n) for n in modules if n) or "(none)"
            raise ValueError(f"unknown layer(s) {unknown or '(no layers given)'} in {type(model).__name__}; valid names: {valid}")
        if len(set(layers)) != len(layers):
            raise ValueError(f"layers {list(layers)} name one module twice")
        if not 0.0 <= sample_rate <= 1.0:
            raise ValueError(f"sample_rate {sample_rate} must lie in [0, 1]")
        if max_rows < 1 or linger < 0:
            raise ValueError(f"max_rows {max_rows} must be ≥ 1 and linger {linger} ≥ 0")
        if isinstance(pool, str) and pool not in POOLS:
            raise ValueError(f"pool {pool!r} must be one of {sorted(POOLS)} or a callable")
        self.model = model
        self.layers = list(layers)
        self.model_id = model_id
        self.sample_rate = sample_rate
        self.max_rows = max_rows
        self.linger = linger
        self.dtype = dtype
        self.errors = 0
        self.sent = 0  # sampled forward passes handed over
        self.batches = 0  # ActivationBatch messages handed over (several passes coalesce into one)
        self._pool = POOLS[pool] if isinstance(pool, str) else pool
        self._client = default_client(client)
        self._random = random.Random(seed)
        self._state = threading.local()
        self._trusted = 0
        self._logged = False
        self._errors_lock = threading.Lock()
        self._rows: Optional[_Rows] = None
        self._rows_lock = threading.RLock()
        self._shape_checked = False  # the first batch is validated in full, base64 alphabet included
        self._client.register_flusher(self)
        self._handles = [modules[name].register_forward_hook(self._layer_hook(name)) for name in self.layers]
        self._handles.append(model.register_forward_pre_hook(self._before_forward, with_kwargs=True))
        # always_call: a forward pass that raises must still close the capture it opened.
        self._handles.append(model.register_forward_hook(self._after_forward, with_kwargs=True, always_call=True))

    # -- public API ----------------------------------------------------------------------------
    @contextlib.contextmanager
    def trusted(self) -> Iterator["ActivationMonitor"]:
        """Marks the traffic inside as the trusted reference the baselines are fitted on."""
        self._hand_over_held()  # rows from before the window are not trusted
        self._trusted += 1
        try:
            yield self
        finally:
            self._trusted -= 1
            self._hand_over_held()  # the window's rows leave now, not after the linger

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
        self._hand_over_held()

    def flush_pending(self, force: bool) -> List[Tuple[str, Callable[[], Optional[Dict[str, Any]]], Callable[[BaseException], None]]]:
        """For the client: the held rows as a work item, when ``force`` or once they waited ``linger``."""
        # The encoder thread does not wait for the lock: its holder may be waiting for room in the
        # hand-over queue, which only the encoder thread makes. It looks again at its next tick.
        if not self._rows_lock.acquire(blocking=force):
            return []
        try:
            rows = self._rows
            if rows is None or not (force or time.monotonic() - rows.started >= self.linger):
                return []
            self._rows = None
            self.batches += 1
            return [self._work(rows, None)]
        finally:
            self._rows_lock.release()

    def holds_rows(self) -> bool:
        return self._rows is not None

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
                as_is = self.dtype != "float32" and str(pooled.dtype) == f"torch.{self.dtype}"
                if not as_is:
                    pooled = pooled.float()
                fresh = self._pool is _pool_mean and tensor.dim() == 3
                # The layer's output or a view of it (pool="last", a 2-D output) is copied now: a
                # later in-place op of the model must not change what is sent. A fresh result (the
                # mean) is copied once, into the batch's buffer, after the forward pass.
                if pooled.device.type != "cpu" or not fresh and pooled.untyped_storage().data_ptr() == tensor.untyped_storage().data_ptr():
                    pooled = pooled.to("cpu", copy=True)
                if as_is:
                    # The model's own half-precision values: their bits travel unchanged.
                    captured[name] = _as_wire_array(pooled, self.dtype)
                elif self.dtype == "float32":
                    captured[name] = pooled.numpy()
                else:
                    captured[name] = _as_wire_array(pooled.numpy(), self.dtype)
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
        """Adds the pass's rows to the held batch (preallocated buffers); hands the batch over when it
        is full, when its trusted flag or widths change, after ``linger`` seconds (the client's
        encoder thread checks), at ``flush()`` and at exit. A contrast pass is always a batch of its own."""
        missing = [n for n in self.layers if n not in captured]
        if missing:
            raise ValueError(f"layer(s) {missing} did not run in this forward pass")
        rows = {captured[n].shape[0] for n in self.layers}
        if len(rows) != 1:
            raise ValueError(f"layers disagree on the batch size: {sorted(rows)}")
        n = rows.pop()
        named = getattr(self._state, "items", None)
        pair_items = getattr(self._state, "pair_items", None)
        framing = getattr(self._state, "framing", None)
        outputs = None
        if pair_items is not None:
            item_ids: List[Optional[str]] = list(pair_items)
        elif named:
            item_ids, outputs = list(named[0]), named[1]
        elif framing:
            item_ids = [str(uuid.uuid4()) for _ in range(n)]
        else:
            item_ids = [None] * n  # UUIDs made on the encoder thread
        if len(item_ids) != n:
            raise ValueError(f"{len(item_ids)} item ids for a batch of {n}")
        if framing:
            self._state.last_items = item_ids
        trusted = self._trusted > 0
        with self._rows_lock:
            held = self._rows
            if held is not None and (framing or not held.fits(trusted, captured, n)):
                self._hand_over(held, None)
                held = self._rows = None
            if held is None:
                held = _Rows(trusted, {name: captured[name].shape[1] for name in self.layers}, n if framing else max(self.max_rows, n), self.dtype)
                if framing is None:
                    self._rows = held
                    self._client.note_held()
            at = held.rows
            for name in self.layers:
                held.buffers[name][at : at + n] = captured[name]
            held.rows += n
            held.item_ids.extend(item_ids)
            if outputs is not None:
                if held.outputs is None:
                    held.outputs = [None] * at  # type: ignore[list-item]
                held.outputs.extend(outputs)
            elif held.outputs is not None:
                held.outputs.extend([None] * n)  # type: ignore[list-item]
            held.passes += 1
            self.sent += 1
            if framing is not None:
                self._hand_over(held, dict(framing))
            elif held.rows >= self.max_rows or time.monotonic() - held.started >= self.linger:
                self._rows = None
                self._hand_over(held, None)

    def _hand_over_held(self) -> None:
        with self._rows_lock:
            held, self._rows = self._rows, None
            if held is not None:
                self._hand_over(held, None)

    def _hand_over(self, rows: _Rows, framing: Optional[Dict[str, str]]) -> None:
        """Under ``_rows_lock``, so that batches reach the client in the order of their passes."""
        event, build, on_failure = self._work(rows, framing)
        if self._client.submit(event, build, on_failure):
            self.batches += 1

    def _work(self, rows: _Rows, framing: Optional[Dict[str, str]]) -> Tuple[str, Callable[[], Dict[str, Any]], Callable[[BaseException], None]]:
        full_check = not self._shape_checked
        self._shape_checked = True

        # Runs on the client's encoder thread: ids, envelope, encoding and validation are off the forward pass.
        def build() -> Dict[str, Any]:
            n = rows.rows
            batch_id = str(uuid.uuid4())
            # Unnamed items: the batch's UUID and the row (one uuid4 per item costs more than the rest of the build).
            items: List[Dict[str, Any]] = [{"itemId": i if i is not None else f"{batch_id}:{r}"} for r, i in enumerate(rows.item_ids)]
            if rows.outputs is not None:
                for item, out in zip(items, rows.outputs):
                    if out is not None:
                        item["output"] = out
            payload: Dict[str, Any] = {**envelope("model", self.model_id), "batchId": batch_id, "trusted": rows.trusted, "items": items}
            if framing:
                payload["framing"] = framing
            payload["layers"] = [{"name": name, "dim": int(rows.buffers[name].shape[1]), "vectors": encode_wire_array(rows.buffers[name][:n], self.dtype)} for name in self.layers]
            return payload

        # The first batch of a monitor is validated in full; later ones skip what the SDK's own
        # encoding guarantees (see schemas.validate), every other field is still checked.
        build.sdk_encoded = not full_check  # type: ignore[attr-defined]
        return "ActivationBatch", build, self._failed

    def _failed(self, error: BaseException) -> None:
        with self._errors_lock:  # also called from the client's encoder thread
            self.errors += 1
            first, self._logged = not self._logged, True
        if first:
            log.warning("damon: activation monitor of %s failed (the forward pass goes on; further errors are only counted in .errors): %r", self.model_id, error, exc_info=error)
