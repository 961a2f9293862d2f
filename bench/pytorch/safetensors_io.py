"""Safetensors files in plain Python (struct + json + numpy), no `safetensors` package.

Layout: an 8-byte little-endian unsigned header length n, n bytes of UTF-8 JSON
``{name: {"dtype", "shape", "data_offsets": [begin, end]}, "__metadata__": {str: str}}``
(padded with spaces), then the raw little-endian tensor bytes; offsets count from the first
byte after the header. As the engine's writer does, files written here carry
`__metadata__["crc32c"]`, the CRC32C of the data section as 8 lowercase hex digits; the reader
checks it when it is there.
"""

import json
import os
import struct
import tempfile

import numpy as np

_DTYPES = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
    "I16": np.dtype("<i2"),
    "I8": np.dtype("i1"),
    "U8": np.dtype("u1"),
    "BOOL": np.dtype("?"),
}
_NAMES = {dt: name for name, dt in _DTYPES.items()}

# A header larger than this is not a header: refuse before allocating it.
_MAX_HEADER = 100 * 1024 * 1024
CRC_KEY = "crc32c"


def _crc32c_table():
    table = []
    for byte in range(256):
        crc = byte
        for _ in range(8):
            crc = (crc >> 1) ^ (0x82F63B78 if crc & 1 else 0)
        table.append(crc)
    return table


_CRC32C_TABLE = _crc32c_table()


def crc32c(data, crc=0):
    """CRC-32C (Castagnoli) as java.util.zip.CRC32C: crc32c(b"123456789") == 0xE3069283, and
    crc32c(b, crc32c(a)) == crc32c(a + b)."""
    crc ^= 0xFFFFFFFF
    table = _CRC32C_TABLE
    for byte in data:
        crc = table[(crc ^ byte) & 0xFF] ^ (crc >> 8)
    return crc ^ 0xFFFFFFFF


class SafetensorsError(ValueError):
    """A file that is not a well-formed safetensors file; the message says what is wrong."""


def read(path):
    """Reads a safetensors file; returns (tensors: dict name -> numpy array, metadata: dict).

    Every offset, shape and dtype is checked against the file before a byte is used; the
    tensors must tile the data section exactly (no gap, no overlap, nothing after the last);
    the checksum is verified when the metadata has one (and is not returned in the metadata).
    """
    size = os.path.getsize(path)
    with open(path, "rb") as f:
        if size < 8:
            raise SafetensorsError(f"{path}: {size} bytes, too short for the 8-byte header length")
        (n,) = struct.unpack("<Q", f.read(8))
        if n > size - 8 or n > _MAX_HEADER:
            raise SafetensorsError(f"{path}: header length {n} does not fit a file of {size} bytes")
        try:
            header = json.loads(f.read(n).decode("utf-8"))
        except (UnicodeDecodeError, json.JSONDecodeError) as e:
            raise SafetensorsError(f"{path}: header is not UTF-8 JSON: {e}") from None
        body = f.read()
    if not isinstance(header, dict):
        raise SafetensorsError(f"{path}: header must be a JSON object, got {type(header).__name__}")
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(
            isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()):
        raise SafetensorsError(f"{path}: __metadata__ must map strings to strings")
    tensors = {}
    spans = []
    for name, info in header.items():
        where = f"{path}: tensor '{name}'"
        if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
            raise SafetensorsError(f"{where}: expected exactly dtype, shape, data_offsets, got {info!r}")
        dtype = _DTYPES.get(info["dtype"])
        if dtype is None:
            raise SafetensorsError(f"{where}: dtype {info['dtype']!r} is not one of {sorted(_DTYPES)}")
        shape = info["shape"]
        if not isinstance(shape, list) or not all(isinstance(d, int) and d >= 0 for d in shape):
            raise SafetensorsError(f"{where}: shape must be a list of non-negative integers, got {shape!r}")
        offsets = info["data_offsets"]
        if (not isinstance(offsets, list) or len(offsets) != 2
                or not all(isinstance(o, int) for o in offsets)):
            raise SafetensorsError(f"{where}: data_offsets must be [begin, end], got {offsets!r}")
        begin, end = offsets
        count = int(np.prod(shape, dtype=np.int64))
        if not 0 <= begin <= end <= len(body):
            raise SafetensorsError(f"{where}: data_offsets {offsets} outside the {len(body)}-byte data")
        if end - begin != count * dtype.itemsize:
            raise SafetensorsError(f"{where}: {end - begin} bytes for shape {shape} of {info['dtype']}, "
                                   f"expected {count * dtype.itemsize}")
        spans.append((begin, end, name))
        tensors[name] = np.frombuffer(body, dtype=dtype, count=count, offset=begin).reshape(shape).copy()
    spans.sort()
    end = 0
    for begin, stop, name in spans:
        if begin != end:
            raise SafetensorsError(f"{path}: tensor '{name}' starts at byte {begin} of the data, expected {end} "
                                   "(tensors must be contiguous, without gaps or overlap)")
        end = stop
    if end != len(body):
        raise SafetensorsError(f"{path}: {len(body) - end} bytes after the last tensor")
    metadata = dict(metadata)
    stored = metadata.pop(CRC_KEY, None)
    if stored is not None:
        actual = f"{crc32c(body):08x}"
        if stored != actual:
            raise SafetensorsError(f"{path}: data checksum mismatch: {CRC_KEY} stored {stored}, computed {actual}; "
                                   "the file is corrupt")
    return tensors, metadata


def write(path, tensors, metadata=None):
    """Writes tensors (dict name -> numpy array, in that order), string metadata and the
    checksum of the data. Writes a temporary file in the same folder and renames it, so a crash never leaves a
    half-written file under the real name.
    """
    metadata = dict(metadata or {})
    for k, v in metadata.items():
        if not isinstance(k, str) or not isinstance(v, str):
            raise TypeError(f"metadata must map strings to strings, got {k!r}: {type(v).__name__}")
    if CRC_KEY in metadata:
        raise ValueError(f"metadata key '{CRC_KEY}' is reserved for the checksum")
    header = {"__metadata__": metadata}
    blobs = []
    offset = 0
    for name, array in tensors.items():
        array = np.asarray(array)
        dtype = _NAMES.get(array.dtype.newbyteorder("<") if array.dtype.itemsize > 1 else array.dtype)
        if dtype is None:
            raise TypeError(f"tensor '{name}': numpy dtype {array.dtype} has no safetensors name")
        data = np.ascontiguousarray(array, dtype=_DTYPES[dtype]).tobytes()
        header[name] = {"dtype": dtype, "shape": list(array.shape),
                        "data_offsets": [offset, offset + len(data)]}
        blobs.append(data)
        offset += len(data)
    crc = 0
    for data in blobs:
        crc = crc32c(data, crc)
    metadata[CRC_KEY] = f"{crc:08x}"
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".safetensors", dir=folder)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(struct.pack("<Q", len(text)))
            f.write(text)
            for data in blobs:
                f.write(data)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        os.unlink(tmp)
        raise
