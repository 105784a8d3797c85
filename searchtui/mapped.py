"""Arrays saved in an uncompressed ``.npz`` file and read in place, memory-mapped.

``save`` writes what ``numpy.savez`` writes (a zip of ``.npy`` members, stored,
not compressed), with each member's data aligned to 64 bytes by padding in its
local header, so ``np.load`` reads it as ever. ``MappedArrays`` reads such a
file without copying it: each array is a read-only view of the file's pages,
which the system reads when they are first touched and may drop again under
memory pressure. Opening a large index then costs what its arrays' headers
cost, not a copy of hundreds of megabytes.

A member that is compressed, holds Python objects, runs past its bounds, or
whose header cannot be read makes the file unreadable (``ValueError``); an
array that is not aligned (a file written by ``numpy.savez``) is copied.
"""

from __future__ import annotations

import io
import math
import mmap
import re
import struct
import tokenize
import zipfile
from collections.abc import Mapping
from pathlib import Path
from typing import IO

import numpy as np

ALIGN = 64
_LOCAL_HEADER = struct.Struct("<4s22xHH")  # signature ... name length, extra length
_ZIP64_EXTRA = 20  # what zipfile adds to a forced zip64 local header
_PADDING_ID = 0xD935  # an extra field of padding (the id zipalign uses)
_MAX_HEADER = 1 << 16  # an npy header is far smaller


def save(fh: IO[bytes], arrays: Mapping[str, np.ndarray]) -> None:
    """Write ``arrays`` to ``fh`` as an npz file with aligned members."""
    with zipfile.ZipFile(fh, "w", zipfile.ZIP_STORED, allowZip64=True) as zf:
        for name, value in arrays.items():
            array = np.asanyarray(value)
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.compress_type = zipfile.ZIP_STORED
            fixed = _LOCAL_HEADER.size + len(info.filename.encode("utf-8")) + _ZIP64_EXTRA + 4
            pad = -(zf.start_dir + fixed) % ALIGN
            info.extra = struct.pack("<HH", _PADDING_ID, pad) + bytes(pad)
            with zf.open(info, "w", force_zip64=True) as out:
                np.lib.format.write_array(out, array, allow_pickle=False)


class MappedArrays:
    """The arrays of an npz file of stored members, as read-only views of its pages."""

    def __init__(self, path: Path):
        with open(path, "rb") as fh:
            try:
                self._map = mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ)
            except ValueError:  # an empty file
                raise ValueError("the file is empty") from None
        self._members: dict[str, zipfile.ZipInfo] = {}
        with zipfile.ZipFile(self._map) as zf:  # type: ignore[call-overload]  # mmap is file-like
            for info in zf.infolist():
                if info.filename.endswith(".npy"):
                    self._members[info.filename[: -len(".npy")]] = info
        self.files = list(self._members)

    def buffer(self) -> memoryview:
        """The whole file's bytes (to checksum it)."""
        return memoryview(self._map)

    def __contains__(self, name: object) -> bool:
        return name in self._members

    def __getitem__(self, name: str) -> np.ndarray:
        shape, fortran, dtype, offset = self._header(name)
        count = math.prod(shape)
        array = np.frombuffer(self._map, dtype=dtype, count=count, offset=offset)
        if not array.flags.aligned:
            array = array.copy()
        return array.reshape(shape, order="F" if fortran else "C")

    def place(self, name: str) -> tuple[int, np.dtype, int]:
        """Where a one-dimensional array's data is in the file: (offset, type, length),
        for reading parts of it without mapping them."""
        shape, _fortran, dtype, offset = self._header(name)
        if len(shape) != 1:
            raise ValueError(f"{name}: not one-dimensional")
        return offset, dtype, int(shape[0])

    def _header(self, name: str) -> tuple[tuple[int, ...], bool, np.dtype, int]:
        """(shape, Fortran order, type, offset of the data) of a member, checked."""
        info = self._members[name]
        if info.compress_type != zipfile.ZIP_STORED:
            raise ValueError(f"{name}: compressed")
        size = len(self._map)
        start = info.header_offset
        if start + _LOCAL_HEADER.size > size:
            raise ValueError(f"{name}: past the end")
        sig, name_len, extra_len = _LOCAL_HEADER.unpack_from(self._map, start)
        if sig != b"PK\x03\x04":
            raise ValueError(f"{name}: no local header")
        data = start + _LOCAL_HEADER.size + name_len + extra_len
        end = data + info.file_size
        if end > size:
            raise ValueError(f"{name}: past the end")
        # Only the header's bytes (its length follows the magic): reading more would
        # touch pages of the data, which a caller may never want.
        prefix = self._map[data : min(end, data + 12)]
        wide = len(prefix) >= 12 and prefix[6] >= 2  # npy 2.0 and later: a 4-byte length
        length = 12 + int.from_bytes(prefix[8:12], "little") if wide else (
            10 + int.from_bytes(prefix[8:10], "little") if len(prefix) >= 10 else 0
        )
        raw = self._map[data : min(end, data + min(length, _MAX_HEADER))]
        found = _plain_header(raw)
        if found is not None:
            shape, fortran, dtype = found
            offset = data + len(raw)
        else:
            shape, fortran, dtype, used = _numpy_header(name, raw)
            offset = data + used
        if dtype.hasobject:
            raise ValueError(f"{name}: holds objects")
        count = math.prod(shape)
        if count < 0 or offset + count * dtype.itemsize > end:
            raise ValueError(f"{name}: shorter than its shape")
        return shape, fortran, dtype, offset

    def close(self) -> None:
        """Nothing to release: the map lives as long as an array still views it."""

    def __enter__(self) -> MappedArrays:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


#: The header numpy writes for a plain array of one dimension (what ``save`` writes):
#: read without parsing a Python literal, which costs a hundred times more and is
#: most of opening a file of many small arrays.
_PLAIN = re.compile(
    rb"\x93NUMPY\x01\x00..\{'descr': '([<|][uif][1248])', 'fortran_order': False, "
    rb"'shape': \((\d+),\), \} *\n", re.DOTALL,
)
_DTYPES: dict[bytes, np.dtype] = {}


def _plain_header(raw: bytes) -> tuple[tuple[int, ...], bool, np.dtype] | None:
    """(shape, Fortran order, type) of a plain one-dimensional array's header that is
    all of ``raw``; None for any other header (numpy's parser reads it)."""
    m = _PLAIN.fullmatch(raw)
    if m is None or int.from_bytes(raw[8:10], "little") != len(raw) - 10:
        return None
    code = m.group(1)
    dtype = _DTYPES.get(code)
    if dtype is None:
        dtype = _DTYPES[code] = np.dtype(code.decode("ascii"))
    return (int(m.group(2)),), False, dtype


def _numpy_header(name: str, raw: bytes) -> tuple[tuple[int, ...], bool, np.dtype, int]:
    """(shape, Fortran order, type, header length) by numpy's own header parser."""
    head = io.BytesIO(raw)
    try:
        version = np.lib.format.read_magic(head)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(head)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(head)
        else:
            raise ValueError(f"npy version {version}")
    except (ValueError, SyntaxError, TypeError, OverflowError, tokenize.TokenError) as exc:
        # numpy parses the header as a Python literal: damaged, it fails in many ways
        raise ValueError(f"{name}: its header cannot be read ({exc})") from None
    return shape, fortran, dtype, head.tell()
