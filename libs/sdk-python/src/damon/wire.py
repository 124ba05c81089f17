"""How an event sits in a Kafka message value, as libs/contracts/src/wire-message.ts defines it;
every damon consumer reads both forms:

- **JSON** (schema version 1's only form): UTF-8 JSON of the event, vectors as base64 in ``data``.
  Events without vector bytes are always sent this way.
- **Binary, version 1 (DMNB)**: ``b"DMNB"`` · version byte ``0x01`` · uint32 little-endian length H
  of the header · H bytes of UTF-8 JSON header · the byte section. The header is the event as JSON
  with each ``bytes`` value (a vector's ``data``) replaced by ``{"offset", "length"}`` into the byte
  section, in the order the JSON writes them, where the raw little-endian values lie as they are.
"""

from __future__ import annotations

import base64
import json
import struct
from typing import Any, Dict, List

import orjson

WIRE_MAGIC = b"DMNB"
WIRE_BINARY_VERSION = 1
_PREFIX = struct.Struct("<4sBI")  # magic, version, header length: 9 bytes
_BYTES = (bytes, bytearray, memoryview)


class WireFormatError(ValueError):
    """A message value that is neither form, or a binary one whose references do not fit."""


def is_binary_message(raw: bytes) -> bool:
    return bytes(raw[:4]) == WIRE_MAGIC


def encode_message(payload: Dict[str, Any], binary: bool = True, *, checked: bool = True) -> bytes:
    """Serialises an event: the binary form when ``binary`` and it holds ``bytes`` values (as
    :func:`damon.encode_vectors` returns), plain JSON otherwise (bytes as base64).

    ``checked``: the payload was validated, which refuses NaN and infinity; orjson (fast, but it
    writes those as null) is used then, else ``json``, which raises ``ValueError`` on them."""
    blobs: List[bytes] = []
    offset = 0

    def reference(value: Any) -> Any:
        nonlocal offset
        if isinstance(value, _BYTES):
            if not binary:
                return base64.b64encode(value).decode("ascii")
            ref = {"offset": offset, "length": len(value)}
            blobs.append(value)
            offset += len(value)
            return ref
        raise TypeError(f"{type(value).__name__} is not JSON serialisable")

    if checked:
        header = orjson.dumps(payload, default=reference)
    else:
        header = json.dumps(payload, default=reference, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf8")
    if not blobs:
        return header
    return b"".join([_PREFIX.pack(WIRE_MAGIC, WIRE_BINARY_VERSION, len(header)), header, *blobs])


def decode_message(raw: bytes) -> Any:
    """Parses a message value of either form; a binary message's vector references become
    ``memoryview`` slices of ``raw`` (no copy). Raises :class:`WireFormatError` saying what is wrong."""
    view = memoryview(raw)
    if not is_binary_message(view):
        try:
            return json.loads(bytes(view))
        except ValueError as error:
            raise WireFormatError(f"not JSON: {error}") from None
    if len(view) < _PREFIX.size:
        raise WireFormatError(f"binary message of {len(view)} bytes is shorter than its {_PREFIX.size}-byte prefix")
    _magic, version, header_length = _PREFIX.unpack_from(view)
    if version != WIRE_BINARY_VERSION:
        raise WireFormatError(f"binary wire version {version} is not supported (this build reads version {WIRE_BINARY_VERSION})")
    start = _PREFIX.size + header_length
    if start > len(view):
        raise WireFormatError(f"binary header length {header_length} overruns the message of {len(view)} bytes")
    try:
        header = json.loads(bytes(view[_PREFIX.size : start]))
    except ValueError as error:
        raise WireFormatError(f"binary header is not JSON: {error}") from None
    _resolve(header, view[start:], "")
    return header


def _resolve(node: Any, section: memoryview, path: str) -> None:
    """Replaces every vectors object's ``{offset, length}`` data with a view of the byte section."""
    if isinstance(node, list):
        for i, child in enumerate(node):
            _resolve(child, section, f"{path}.{i}" if path else str(i))
        return
    if not isinstance(node, dict):
        return
    if "dtype" in node and "shape" in node and isinstance(node.get("data"), dict):
        where = f"{path}.data" if path else "data"
        offset, length = node["data"].get("offset"), node["data"].get("length")
        if not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in (offset, length)):
            raise WireFormatError(f"{where}: byte reference must be {{ offset, length }} of non-negative integers")
        if offset + length > len(section):
            raise WireFormatError(f"{where}: bytes {offset}..{offset + length} lie outside the byte section of {len(section)} bytes")
        node["data"] = section[offset : offset + length]
        return
    for key, child in node.items():
        _resolve(child, section, f"{path}.{key}" if path else key)
