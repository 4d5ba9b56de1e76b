"""Model files of a registry network: found, or installed and verified.

Looked up, in order, in: an explicit path; the model directory (``$JETSON_POSE_MODELS`` or
the user cache dir); a jetson-inference install; then installed into the model directory
from a mirror directory (``$MODEL_MIRROR``) or from the entry's URL.  Files found in the
model directory, the mirror or a download are verified by sha256 before use.
"""
from __future__ import annotations

import hashlib
import os
import shutil
import tarfile
import tempfile
import urllib.request
from pathlib import Path

from .errors import ModelError
from .registry import NetworkSpec


def model_dir() -> Path:
    env = os.environ.get("JETSON_POSE_MODELS")
    if env:
        return Path(env).expanduser()
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "jetson_pose_ros" / "models"


def mirror_dir() -> Path | None:
    env = os.environ.get("MODEL_MIRROR")
    return Path(env).expanduser() if env else None


def sha256sum(path: Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _verify(network: str, path: Path, info: dict) -> None:
    expected = info.get("sha256")
    if expected and sha256sum(path) != expected:
        raise ModelError(
            f"network '{network}': {path} is corrupt (sha256 does not match {expected[:12]}...); "
            f"delete it to reinstall it from MODEL_MIRROR or {info.get('url') or 'its source'}")


def _candidates(info: dict) -> list[str]:
    return [info["filename"], *info.get("alt_filenames", [])]


def resolve_file(network: str, info: dict) -> Path:
    """Find (or install) one model file of a registry entry and verify it."""
    rel = Path(info.get("dir", "")) / info["filename"]
    looked: list[str] = []
    target = model_dir() / rel
    for name in _candidates(info):
        p = model_dir() / info.get("dir", "") / name
        looked.append(str(p))
        if p.is_file():
            _verify(network, p, info)
            return p
    for d in info.get("system_dirs", []):
        for name in _candidates(info):
            p = Path(d) / name
            looked.append(str(p))
            if p.is_file():
                _verify(network, p, info)
                return p
    mirror = mirror_dir()
    if mirror is not None:
        for name in _candidates(info):
            src = mirror / info.get("dir", "") / name
            looked.append(str(src))
            if src.is_file():
                return _install(network, info, target, lambda tmp, s=src: shutil.copyfile(s, tmp))
    if info.get("url"):
        return _install(network, info, target, lambda tmp: _download(info, tmp))
    hint = "set MODEL_MIRROR to a directory holding it, or pass --model PATH"
    raise ModelError(f"network '{network}': model file {info['filename']} not found "
                     f"(looked in: {', '.join(looked)}); {hint}")


def _install(network: str, info: dict, target: Path, fetch) -> Path:
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(dir=target.parent, prefix=".part-")
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        fetch(tmp)
        try:
            _verify(network, tmp, info)
        except ModelError:
            raise ModelError(f"network '{network}': the copy of {info['filename']} from its source is corrupt "
                             f"(sha256 is not {info.get('sha256')}); not installed") from None
        os.replace(tmp, target)
    except OSError as exc:
        raise ModelError(f"network '{network}': cannot install {info['filename']}: {exc}") from None
    finally:
        tmp.unlink(missing_ok=True)
    return target


def _download(info: dict, dest: Path) -> None:
    url = info["url"]
    try:
        with urllib.request.urlopen(url, timeout=30) as r, open(dest, "wb") as f:
            shutil.copyfileobj(r, f)
    except Exception as exc:  # network errors come in many types
        raise OSError(f"download of {url} failed: {exc}") from None
    member = info.get("archive_member")
    if member:
        with tarfile.open(dest) as tar:
            data = tar.extractfile(member)
            if data is None:
                raise OSError(f"{url}: archive has no {member}")
            payload = data.read()
        dest.write_bytes(payload)


def resolve_files(spec: NetworkSpec, overrides: dict[str, str | os.PathLike] | None = None) -> dict[str, Path]:
    """Paths of every model file of a network; ``overrides`` maps a file role
    (``model``, ``detector``, ``landmark``...) to an explicit path (not sha-checked,
    so custom-trained weights work)."""
    overrides = {k: v for k, v in (overrides or {}).items() if v}
    if "model" in overrides and "model" not in spec.files:
        # --model of a multi-file network replaces its main file (the landmark model of a
        # detector + landmark pair), unless the entry names another ``model_role``
        overrides[spec.entry.get("model_role", list(spec.files)[-1])] = overrides.pop("model")
    unknown = set(overrides) - set(spec.files)
    if unknown:
        raise ModelError(f"network '{spec.name}' has no model file role {', '.join(sorted(unknown))} "
                         f"(roles: {', '.join(spec.files)})")
    out: dict[str, Path] = {}
    for role, info in spec.files.items():
        if role in overrides:
            p = Path(overrides[role]).expanduser()
            if not p.is_file():
                raise ModelError(f"network '{spec.name}': model file {p} not found")
            out[role] = p
        else:
            out[role] = resolve_file(spec.name, info)
    return out
