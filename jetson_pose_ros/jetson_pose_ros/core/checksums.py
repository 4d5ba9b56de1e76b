"""sha256 of a file (read in 1 MiB blocks) or of bytes in memory: how every model file,
package archive and compiled-model cache entry is verified."""
from __future__ import annotations

import hashlib
import os


def sha256sum(data_or_path: bytes | bytearray | str | os.PathLike) -> str:
    if isinstance(data_or_path, (bytes, bytearray)):
        return hashlib.sha256(data_or_path).hexdigest()
    h = hashlib.sha256()
    with open(data_or_path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()
