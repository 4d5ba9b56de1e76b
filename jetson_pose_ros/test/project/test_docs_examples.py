"""Every ```bash example of README.md and docs/*.md that runs on the files here is executed.

The rule (issue 20, item 6):

- A block fenced ```bash is an example a reader may paste. Usage lines, printed output, commands that
  need what this machine does not have (a camera, a network stream, PyPI/npm, a robot's recording)
  and measurement commands that take many minutes are fenced ```text instead; the pages say so.
- From each ```bash block, the commands (backslash continuations joined, ``#`` comments dropped)
  whose program is ``posenet``, ``posenet-eval``, ``posenet-bench`` or ``posenet-models`` are run,
  in order, in one temporary folder; other lines (``bash scripts/...``, ``source``, ``ros2 ...``,
  ``python ...``, ``colcon``, ``cd``) are not run: the ROS 2 and set-up commands have tests of their own.
- A command is not run when an argument is a device or a network address
  (``/dev/...``, ``rtsp://``, ``rtp://``, ``http(s)://``, ``v4l2://`` ...) or it installs from
  PyPI/npm (``--from-source``, ``posenet-models samples``): a guard, the pages keep those in ```text.
- The folder holds the sample media the pages name, linked from ../shared/data: the 15
  jetson-inference photos (``humans_*.jpg``, ``peds_*.jpg``) and ``images/`` (the same photos),
  ``mmpose_demo.mp4``, ``sports2d_demo.mp4``, and ``../shared`` itself. A recording is made by the
  example before the one that reads it.
- Each command must exit 0, and every output it names must exist afterwards, not empty: posenet's
  OUTPUT (file, ``%i`` pattern, directory, ``*.mcap``, ``rosbag2://DIR``) and the files of
  ``--json``, ``--csv``, ``--results``, ``--summary``.

The commands run the checkout's code (``python -c 'from jetson_pose_ros.cli.X import main'``, the
entry points of setup.py), with the model directory and mirror of the test configuration.
"""
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import cv2
import numpy as np
import pytest

pytestmark = pytest.mark.shared_data      # the examples use ../shared/data; skipped without it

from conftest import PKG_DIR as PKG  # noqa: E402
REPO = PKG.parent
PAGES = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
PROGRAMS = ("posenet", "posenet-eval", "posenet-bench", "posenet-models")
OUTPUT_FLAGS = ("--json", "--csv", "--results", "--summary")
LIVE = re.compile(r"^(/dev/|[a-z0-9]+://)")
TIMEOUT_S = 300


def bash_blocks(path: Path):
    """(first line number, text) of every ```bash block of a Markdown file."""
    lines = path.read_text().splitlines()
    i = 0
    while i < len(lines):
        if lines[i].strip() == "```bash":
            start, body = i + 1, []
            i += 1
            while i < len(lines) and lines[i].strip() != "```":
                body.append(lines[i])
                i += 1
            yield start + 1, "\n".join(body)
        i += 1


def commands(block: str) -> list[tuple[str, list[str]]]:
    """The posenet* commands of a block: (the line as written, its arguments); comments dropped,
    continuations joined."""
    out = []
    for line in block.replace("\\\n", " ").splitlines():
        words = shlex.split(line, comments=True)
        if words and words[0] in PROGRAMS:
            out.append((line, words))
    return out


def entry_points() -> dict[str, str]:
    """program -> module, from setup.py's console_scripts."""
    text = (PKG / "setup.py").read_text()
    return {name: module for name, module in re.findall(r'"([\w-]+) = ([\w.]+):main"', text)}


def skip_reason(argv: list[str]) -> str | None:
    if "--from-source" in argv or argv[:2] == ["posenet-models", "samples"]:
        return "installs from PyPI/npm"
    live = [a for a in argv[1:] if LIVE.match(a) and not a.startswith("rosbag2://")]
    if live:
        return f"needs a device or a network peer ({live[0]})"
    return None


def named_outputs(argv: list[str]) -> list[str]:
    """The outputs a command names: OUTPUT_FLAGS values, and posenet's OUTPUT positional."""
    outs = []
    for i, a in enumerate(argv):
        name, eq, value = a.partition("=")
        if name in OUTPUT_FLAGS:
            outs.append(value if eq else argv[i + 1])
    if argv[0] == "posenet":
        from jetson_pose_ros.cli import normalize_argv
        from jetson_pose_ros.cli.posenet import build_parser
        args, _ = build_parser().parse_known_intermixed_args(normalize_argv(argv[1:]))
        if args.output:
            outs.append(args.output)
    return outs


def written(out: str, cwd: Path) -> bool:
    if out.startswith("rosbag2://"):
        folder = cwd / out[len("rosbag2://"):].split("?")[0]
        return folder.is_dir() and any(folder.iterdir())
    if re.search(r"%\d*i", out):
        return any(p.stat().st_size > 0 for p in cwd.glob(re.sub(r"%\d*i", "*", out)))
    path = cwd / out
    if out.endswith("/") or path.is_dir():
        return path.is_dir() and any(path.iterdir())
    return path.is_file() and path.stat().st_size > 0


def sample_folder(tmp: Path, shared: Path) -> Path:
    """tmp/work with the sample media the pages name, and tmp/shared -> the shared data."""
    (tmp / "shared").symlink_to(shared, target_is_directory=True)
    work = tmp / "work"
    work.mkdir()
    images = shared / "data" / "jetson_inference" / "images"
    (work / "images").symlink_to(images, target_is_directory=True)
    for photo in images.glob("*.jpg"):
        (work / photo.name).symlink_to(photo)
    for video in (shared / "data" / "video").glob("*.mp4"):
        (work / video.name).symlink_to(video)
    # depth.png (docs/depth.md): an aligned 16-bit depth image in millimetres for humans_1.jpg, a
    # plane at 2 m, as a depth camera would give it
    h, w = cv2.imread(str(images / "humans_1.jpg")).shape[:2]
    cv2.imwrite(str(work / "depth.png"), np.full((h, w), 2000, np.uint16))
    return work


def program_shims(tmp: Path) -> Path:
    """bin/ with posenet, posenet-eval ... running this checkout's entry points in this Python."""
    bin_dir = tmp / "bin"
    bin_dir.mkdir()
    for program, module in entry_points().items():
        if program in PROGRAMS:
            shim = bin_dir / program
            shim.write_text(f'#!/bin/sh\nexec "{sys.executable}" -c '
                            f'"import sys; from {module} import main; sys.exit(main())" "$@"\n')
            shim.chmod(0o755)
    return bin_dir


EXAMPLES = [(page, line, block) for page in PAGES for line, block in bash_blocks(page) if commands(block)]


def test_the_pages_have_runnable_examples():
    """The rule above must leave something to run: README's CLI example and the recording round trip."""
    ids = {f"{page.name}:{line}" for page, line, _ in EXAMPLES}
    assert any(i.startswith("README.md:") for i in ids), ids
    assert any("--bag-overlay" in block and "--topic" in block for _, _, block in EXAMPLES), \
        "the recording example (make a recording, read it back) is gone from the docs"


@pytest.mark.parametrize("page,line,block", EXAMPLES,
                         ids=[f"{p.relative_to(REPO)}:{n}" for p, n, _ in EXAMPLES])
def test_example_runs(page, line, block, shared, tmp_path):
    work = sample_folder(tmp_path, shared)
    env = dict(os.environ)
    env["PATH"] = f"{program_shims(tmp_path)}{os.pathsep}{env['PATH']}"
    env["PYTHONPATH"] = str(PKG) + os.pathsep + env.get("PYTHONPATH", "")
    ran = 0
    for command, argv in commands(block):
        if skip_reason(argv):
            continue
        res = subprocess.run(["bash", "-c", command], cwd=work, env=env,
                             capture_output=True, text=True, timeout=TIMEOUT_S)
        command = " ".join(command.split())
        assert res.returncode == 0, f"{page.name}:{line}: `{command}` exited {res.returncode}\n{res.stderr[-3000:]}"
        for out in named_outputs(argv):
            assert written(out, work), f"{page.name}:{line}: `{command}` did not write {out}"
        ran += 1
    if not ran:
        pytest.skip(f"{page.name}:{line}: every command needs a device, a network peer or PyPI")
