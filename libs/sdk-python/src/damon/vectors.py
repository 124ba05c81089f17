"""The vector wire format of libs/contracts (src/vector.ts): base64 of the little-endian bytes,
row-major, with the shape. Today the contracts accept only ``float32``; the dtype is a parameter so
that another wire dtype (e.g. half precision) is one entry in ``WIRE_DTYPES`` when the contracts add it.
"""

from __future__ import annotations

import base64
from typing import Any, Dict, List, Sequence

import numpy as np

#: Wire dtype name -> NumPy dtype (always little-endian on the wire).
WIRE_DTYPES: Dict[str, np.dtype] = {"float32": np.dtype("<f4")}


class VectorEncodingError(ValueError):
    """Values that cannot travel: wrong shape, unknown dtype, NaN or infinity."""


def encode_vectors(values: Any, shape: Sequence[int] | None = None, dtype: str = "float32") -> Dict[str, Any]:
    """Encodes a 1-D or 2-D array (NumPy, a torch tensor on any device, or nested lists) as
    ``{"dtype", "shape", "data"}``. Rejects non-finite values, as the contracts' decoder does."""
    wire = WIRE_DTYPES.get(dtype)
    if wire is None:
        raise VectorEncodingError(f"dtype {dtype!r} is not one of {sorted(WIRE_DTYPES)}")
    array = _as_numpy(values)
    if shape is not None:
        expected = int(np.prod(shape)) if len(shape) else 0
        if array.size != expected:
            raise VectorEncodingError(f"{array.size} values do not fill shape {list(shape)}")
        array = array.reshape(tuple(shape))
    if array.ndim < 1 or array.ndim > 2:
        raise VectorEncodingError(f"shape {list(array.shape)} must have 1 or 2 dimensions")
    array = np.ascontiguousarray(array, dtype=wire)
    if not np.isfinite(array).all():
        row, *col = np.argwhere(~np.isfinite(array))[0].tolist()
        where = f"row {row}, column {col[0]}" if col else f"index {row}"
        raise VectorEncodingError(f"value {array[tuple([row, *col])]} at {where} is not finite")
    return {"dtype": dtype, "shape": [int(s) for s in array.shape], "data": base64.b64encode(array.data).decode("ascii")}


def decode_vectors(vectors: Dict[str, Any]) -> np.ndarray:
    """The inverse of :func:`encode_vectors` (for tests and consumers written in Python)."""
    wire = WIRE_DTYPES.get(vectors.get("dtype", ""))
    if wire is None:
        raise VectorEncodingError(f"dtype {vectors.get('dtype')!r} is not one of {sorted(WIRE_DTYPES)}")
    shape: List[int] = list(vectors["shape"])
    raw = base64.b64decode(vectors["data"], validate=True)
    if len(raw) != int(np.prod(shape)) * wire.itemsize:
        raise VectorEncodingError(f"holds {len(raw)} bytes but shape {shape} of {vectors['dtype']} needs more or fewer")
    return np.frombuffer(raw, dtype=wire).reshape(shape).astype(np.float32)


def _as_numpy(values: Any) -> np.ndarray:
    # torch is optional: duck-type tensors instead of importing it.
    if hasattr(values, "detach") and hasattr(values, "cpu"):
        values = values.detach()
        if str(getattr(values, "dtype", "")) in ("torch.bfloat16", "torch.float16"):
            values = values.float()
        return values.cpu().numpy()
    return np.asarray(values)
