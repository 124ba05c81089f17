"""The vector wire format of libs/contracts (src/vector.ts): the little-endian bytes of a row-major
1-D or 2-D matrix, with its dtype and shape. ``float32``; ``float16`` (IEEE binary16) and
``bfloat16`` (the upper half of a float32), both rounded to nearest, ties to even, exactly as the
contracts' ``encodeVectors`` rounds.

:func:`encode_vectors` returns the raw bytes in ``data`` (a ``bytes`` object): the binary wire form
(see :mod:`damon.wire`) carries them as they are, the JSON form writes them as base64.
"""

from __future__ import annotations

import base64
from typing import Any, Dict, List, Sequence

import numpy as np

#: Wire dtype name -> bytes per value (always little-endian on the wire).
WIRE_DTYPE_BYTES: Dict[str, int] = {"float32": 4, "float16": 2, "bfloat16": 2}
#: Wire dtype name -> the NumPy dtype its bytes are read as (bfloat16: its raw 16-bit patterns).
WIRE_DTYPES: Dict[str, np.dtype] = {"float32": np.dtype("<f4"), "float16": np.dtype("<f2"), "bfloat16": np.dtype("<u2")}
#: The exponent bits of a 16-bit value: all set means infinity or NaN.
_EXPONENT_MASK = {"float16": 0x7C00, "bfloat16": 0x7F80}


class VectorEncodingError(ValueError):
    """Values that cannot travel: wrong shape, unknown dtype, NaN, infinity or overflow of the dtype."""


def encode_vectors(values: Any, shape: Sequence[int] | None = None, dtype: str = "float32") -> Dict[str, Any]:
    """Encodes a 1-D or 2-D array (NumPy, a torch tensor on any device, or nested lists) as
    ``{"dtype", "shape", "data"}`` with ``data`` the little-endian bytes in ``dtype``. Rejects
    non-finite values and values that overflow the dtype, as the contracts' encoder does.

    A torch tensor already in ``dtype`` (a model running in bfloat16 or float16) is sent as it is,
    without a round trip through float32; any other input is taken as float32 and rounded to
    ``dtype`` (nearest, ties to even)."""
    if dtype not in WIRE_DTYPE_BYTES:
        raise VectorEncodingError(f"dtype {dtype!r} is not one of {', '.join(WIRE_DTYPE_BYTES)}")
    array = _as_wire_array(values, dtype)
    if shape is not None:
        shape = [int(s) for s in shape]
        expected = int(np.prod(shape)) if len(shape) else 0
        if array.size != expected:
            raise VectorEncodingError(f"{array.size} values do not fill shape {list(shape)}")
        array = array.reshape(tuple(shape))
    if array.ndim < 1 or array.ndim > 2:
        raise VectorEncodingError(f"shape {list(array.shape)} must have 1 or 2 dimensions")
    return encode_wire_array(array, dtype)


def encode_wire_array(array: np.ndarray, dtype: str) -> Dict[str, Any]:
    """``array`` already holds the wire representation of ``dtype`` (``<f4``, ``<f2``, or the
    ``<u2`` bit patterns of bfloat16; 1-D or 2-D): checks finiteness and returns the vectors object."""
    array = np.ascontiguousarray(array, dtype=WIRE_DTYPES[dtype])
    if dtype == "float32":
        bad = ~np.isfinite(array)
    else:
        mask = _EXPONENT_MASK[dtype]
        bad = (array.view(np.uint16) & mask) == mask
    if bad.any():
        index = tuple(np.argwhere(bad)[0].tolist())
        value = decode_vectors({"dtype": dtype, "shape": [1], "data": array[index].tobytes()})[0]
        raise VectorEncodingError(f"value {value} at {_where(index)} is not finite")
    return {"dtype": dtype, "shape": [int(s) for s in array.shape], "data": array.tobytes()}


def decode_vectors(vectors: Dict[str, Any]) -> np.ndarray:
    """The inverse of :func:`encode_vectors`: float32 values of the given shape. ``data`` may be the
    bytes (an SDK-encoded payload, or a binary wire message decoded by :func:`damon.wire.decode_message`)
    or base64 (the JSON form)."""
    dtype = vectors.get("dtype", "")
    if dtype not in WIRE_DTYPE_BYTES:
        raise VectorEncodingError(f"dtype {dtype!r} is not one of {', '.join(WIRE_DTYPE_BYTES)}")
    shape: List[int] = list(vectors["shape"])
    data = vectors["data"]
    raw = base64.b64decode(data, validate=True) if isinstance(data, str) else data
    needed = int(np.prod(shape)) * WIRE_DTYPE_BYTES[dtype]
    if len(raw) != needed:
        raise VectorEncodingError(f"holds {len(raw)} bytes but shape {shape} of {dtype} needs {needed}")
    wire = np.frombuffer(raw, dtype=WIRE_DTYPES[dtype]).reshape(shape)
    if dtype == "bfloat16":
        return (wire.astype(np.uint32) << 16).view(np.float32)
    return wire.astype(np.float32)


def float32_to_bfloat16_bits(values: np.ndarray) -> np.ndarray:
    """The bfloat16 bit patterns of float32 ``values``, rounded to nearest, ties to even — the
    contracts' ``(b + 0x7fff + ((b >>> 16) & 1)) >>> 16``. Finite inputs only (NaN is not kept)."""
    bits = np.ascontiguousarray(values, dtype="<f4").view(np.uint32)
    return ((bits + np.uint32(0x7FFF) + ((bits >> np.uint32(16)) & np.uint32(1))) >> np.uint32(16)).astype("<u2")


def _as_wire_array(values: Any, dtype: str) -> np.ndarray:
    """``values`` as the wire representation of ``dtype`` (see :func:`encode_wire_array`)."""
    # torch is optional: duck-type tensors instead of importing it.
    if hasattr(values, "detach") and hasattr(values, "cpu"):
        tensor = values.detach()
        kind = str(getattr(tensor, "dtype", ""))
        if kind == f"torch.{dtype}" and dtype != "float32":
            # Already in the wire dtype: its bits travel as they are.
            tensor = tensor.cpu().contiguous()
            return tensor.numpy() if dtype == "float16" else tensor.view(_torch_int16(tensor)).numpy().view("<u2")
        values = tensor.float().cpu().numpy()
    array = np.asarray(values, dtype=np.float32)
    if dtype == "float32":
        return array
    _check_finite(array)
    if dtype == "bfloat16":
        half = float32_to_bfloat16_bits(array)
        overflow = (half & 0x7F80) == 0x7F80
    else:
        with np.errstate(over="ignore"):
            half = array.astype("<f2")  # NumPy's cast: round to nearest, ties to even
        overflow = np.isinf(half)
    if overflow.any():
        index = tuple(np.argwhere(overflow)[0].tolist())
        raise VectorEncodingError(f"value {float(array[index])} at {_where(index)} overflows {dtype}")
    return half


def _check_finite(array: np.ndarray) -> None:
    bad = ~np.isfinite(array)
    if bad.any():
        index = tuple(np.argwhere(bad)[0].tolist())
        raise VectorEncodingError(f"value {float(array[index])} at {_where(index)} is not finite")


def _where(index: tuple) -> str:
    return f"row {index[0]}, column {index[1]}" if len(index) == 2 else f"index {index[0]}" if index else "index 0"


def _torch_int16(tensor: Any) -> Any:
    import torch

    return torch.int16
