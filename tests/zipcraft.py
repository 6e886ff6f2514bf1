"""Hand-made .npz and idx files for the hostile-file tests: forged npy headers and zip fields."""

import gzip
import io
import struct
import zipfile

import numpy as np

LOCAL, CENTRAL = b"PK\x03\x04", b"PK\x01\x02"
# Byte offsets inside a zip local header / central directory entry.
LOCAL_METHOD, LOCAL_SIZE = 8, 22
CENTRAL_METHOD, CENTRAL_SIZE = 10, 24


def npy(header: str, data: bytes = b"") -> bytes:
    """An npy 1.0 stream with `header` (the dict text) padded as numpy pads it, then `data`."""
    text = header.encode("latin1")
    text += b" " * (-(len(text) + 11) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text + data


def npy_header(shape, descr: str = "|u1", fortran: bool = False) -> str:
    return f"{{'descr': '{descr}', 'fortran_order': {fortran}, 'shape': {tuple(shape)!r}, }}"


def zip_of(members: dict[str, bytes], deflate: bool = False) -> bytes:
    """A zip archive holding `members` (name -> bytes), as np.savez lays one out."""
    buf = io.BytesIO()
    method = zipfile.ZIP_DEFLATED if deflate else zipfile.ZIP_STORED
    with zipfile.ZipFile(buf, "w", method) as z:
        for name, data in members.items():
            z.writestr(name, data)
    return buf.getvalue()


def deflated_zip_streaming(name: str, head: bytes, zeros: int) -> bytes:
    """A one-member deflated zip: `head` then `zeros` zero bytes, compressed as they are
    written, so the test never holds the inflated member in memory."""
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        with z.open(info, "w") as f:
            f.write(head)
            chunk = bytes(1 << 20)
            for start in range(0, zeros, len(chunk)):
                f.write(chunk[:min(len(chunk), zeros - start)])
    return buf.getvalue()


def patch(raw: bytes, sig: bytes, offset: int, fmt: str, value: int, nth: int = 0) -> bytes:
    """`raw` with the `fmt` field at `offset` of the nth record starting with `sig` replaced."""
    at = -1
    for _ in range(nth + 1):
        at = raw.index(sig, at + 1)
    b = bytearray(raw)
    struct.pack_into(fmt, b, at + offset, value)
    return bytes(b)


def set_declared_size(raw: bytes, size: int) -> bytes:
    """A one-member zip whose local and central headers declare `size` uncompressed bytes."""
    raw = patch(raw, LOCAL, LOCAL_SIZE, "<I", size)
    return patch(raw, CENTRAL, CENTRAL_SIZE, "<I", size)


def set_method(raw: bytes, method: int, nth: int = 0) -> bytes:
    raw = patch(raw, LOCAL, LOCAL_METHOD, "<H", method, nth)
    return patch(raw, CENTRAL, CENTRAL_METHOD, "<H", method, nth)


def idx_gz_streaming(dims, zeros: int) -> bytes:
    """A gzipped idx3 images file whose header says `dims` and whose body is `zeros` zero bytes."""
    buf = io.BytesIO()
    with gzip.GzipFile(fileobj=buf, mode="wb", mtime=0) as f:
        f.write((0x0803).to_bytes(4, "big") + np.asarray(dims, ">u4").tobytes())
        chunk = bytes(1 << 20)
        for start in range(0, zeros, len(chunk)):
            f.write(chunk[:min(len(chunk), zeros - start)])
    return buf.getvalue()
