"""The benchmark suite (benchmarks/run.py): it lists its cases, every case module has the declared
interface, and one cheap case really runs, writing a valid JSON result and a PNG plot."""
import importlib
import json
import math
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[3]
BENCH = REPO / "benchmarks"


@pytest.fixture(scope="module")
def cases():
    sys.path.insert(0, str(BENCH))
    try:
        yield importlib.import_module("cases")
    finally:
        sys.path.remove(str(BENCH))


def run(*args, timeout=300):
    return subprocess.run([sys.executable, str(BENCH / "run.py"), *args], capture_output=True, text=True,
                          timeout=timeout, cwd=REPO)


def test_list_names_every_case():
    res = run("--list")
    assert res.returncode == 0, res.stderr
    listed = [line.split()[0] for line in res.stdout.splitlines() if line and not line.startswith(" ")]
    sys.path.insert(0, str(BENCH))
    try:
        names = importlib.import_module("cases").CASES
    finally:
        sys.path.remove(str(BENCH))
    assert listed == list(names) and len(names) >= 8


def test_every_case_has_the_interface(cases):
    assert len(set(cases.CASES)) == len(cases.CASES)
    for name in cases.CASES:
        case = cases.load(name)
        for attr in cases.INTERFACE:
            assert hasattr(case, attr), f"case {name} lacks {attr}"
        assert isinstance(case.TITLE, str) and case.TITLE.strip(), name
        assert isinstance(case.TARGET, str), name
        assert set(case.NEEDS) <= set(cases.KNOWN_NEEDS), (name, case.NEEDS)
        assert set(case.QUICK) <= set(case.PARAMS), f"{name}: QUICK sets unknown parameters"
        assert callable(case.run) and callable(case.plot), name
    # no script beside the runner: every benchmark is a case
    assert sorted(p.name for p in BENCH.glob("*.py")) == ["run.py"]


def test_unknown_case_and_bad_set_are_usage_errors():
    res = run("no_such_case")
    assert res.returncode == 2 and "unknown case" in res.stderr and "Traceback" not in res.stderr
    res = run("depth_lift", "--set", "blocks")
    assert res.returncode == 2 and "KEY=VALUE" in res.stderr


def test_depth_lift_quick_writes_json_and_png(tmp_path):
    res = run("depth_lift", "--quick", "--set", "blocks=6", "--out", str(tmp_path))
    assert res.returncode == 0, res.stderr
    doc = json.loads((tmp_path / "depth_lift.json").read_text())
    assert doc["case"] == "depth_lift" and doc["quick"] is True and doc["params"]["blocks"] == 6
    for key in ("date", "command", "cpu", "logical_cpus", "load_average_1_5_15", "versions"):
        assert doc[key], key
    assert "benchmarks/run.py depth_lift --quick" in doc["command"] and "numpy" in doc["versions"]
    result = doc["result"]
    assert set(result["encodings"]) == {"16UC1", "32FC1"}
    for row in result["encodings"].values():
        on, off = row["cpu"]["on"], row["cpu"]["off"]
        assert on["n"] == off["n"] == 6
        assert math.isfinite(on["median"]) and on["median"] > off["median"] > 0   # lifting costs something
        assert on["p10"] <= on["median"] <= on["p90"]
    png = (tmp_path / "depth_lift.png").read_bytes()
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and 5_000 < len(png) < 200_000
    from PIL import Image

    with Image.open(tmp_path / "depth_lift.png") as im:
        assert im.size == (800, 460)
