"""Network registry: ``models/networks.json`` (the packaged data directory ``MODELS_DIR``) read
into ``NetworkSpec`` entries, looked up by name or alias.  Where the files come from is
``model_files``' job."""
from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache

from .errors import PoseNetError
from .topology import MODELS_DIR, Topology, load_topology

REGISTRY_FILE = MODELS_DIR / "networks.json"


@dataclass(frozen=True)
class NetworkSpec:
    """One registry entry."""

    name: str
    entry: dict

    @property
    def family(self) -> str:
        return self.entry["decoder"]["family"]

    @property
    def decoder(self) -> dict:
        return self.entry["decoder"]

    @property
    def input(self) -> dict:
        return self.entry.get("input", {})

    @property
    def files(self) -> dict:
        return self.entry["files"]

    @property
    def license(self) -> str:
        return self.entry.get("license", "")

    def topology(self, path=None, colors=None) -> Topology:
        return load_topology(path or self.entry["topology"], colors or self.entry.get("colors"), MODELS_DIR)


@lru_cache(maxsize=None)
def _registry() -> dict:
    return json.loads(REGISTRY_FILE.read_text())


def network_names() -> list[str]:
    return list(_registry()["networks"])


def aliases() -> dict[str, str]:
    return dict(_registry().get("aliases", {}))


def default_network() -> str:
    return _registry()["default"]


def get_network(name: str | None) -> NetworkSpec:
    """Registry entry by name or alias (case-insensitive, ``_`` == ``-``)."""
    reg = _registry()
    key = (name or reg["default"]).strip().lower().replace("_", "-")
    key = reg.get("aliases", {}).get(key, key)
    if key not in reg["networks"]:
        known = ", ".join(network_names() + sorted(reg.get("aliases", {})))
        raise PoseNetError(f"unknown network '{name}' (known: {known})")
    return NetworkSpec(key, reg["networks"][key])
