"""Console entry points, and what they share: option spelling, sizes, error handling."""
from __future__ import annotations

import argparse
import logging
import sys
from typing import Callable

from ..core.errors import PoseNetError


def normalize_argv(argv: list[str]) -> list[str]:
    """``--input_blob=x`` == ``--input-blob=x``, as in jetson-inference."""
    out = []
    for a in argv:
        if a.startswith("--"):
            name, eq, value = a.partition("=")
            a = name.replace("_", "-") + eq + value
        out.append(a)
    return out


def size_arg(text: str) -> tuple[int, int]:
    try:
        w, h = (int(v) for v in text.lower().split("x"))
        if w <= 0 or h <= 0:
            raise ValueError
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected WIDTHxHEIGHT, got '{text}'") from None
    return w, h


def run_main(prog: str, parser: argparse.ArgumentParser, run: Callable[[argparse.Namespace], int],
             argv: list[str] | None, level: Callable[[argparse.Namespace], int] = lambda a: logging.INFO) -> int:
    """Parse (hyphens == underscores), set up logging, run; a PoseNetError is one line
    ``PROG: error: ...`` and exit code 2, Ctrl-C exit code 130, never a traceback."""
    log = logging.getLogger(prog)
    # a usage error is one line too (argparse would print the whole usage block first)
    parser.error = lambda message: parser.exit(2, f"{prog}: error: {message} (usage: {prog} --help)\n")
    try:
        # options and positionals in any order (``posenet in.jpg --network X out.jpg``)
        args = parser.parse_intermixed_args(normalize_argv(list(sys.argv[1:] if argv is None else argv)))
    except SystemExit as exc:        # --help (0) or a usage error (2): argparse has printed it
        return int(exc.code or 0)
    logging.basicConfig(level=level(args), format="%(message)s", stream=sys.stderr)
    try:
        return run(args)
    except PoseNetError as exc:
        log.error("%s: error: %s", prog, exc)
        return 2
    except KeyboardInterrupt:
        log.error("%s: interrupted", prog)
        return 130
