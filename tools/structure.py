#!/usr/bin/env python3
"""Import structure of the package, measured with ``ast`` (standard library only).

    python tools/structure.py [--json] [--check] [--max-levels 10]
                              [--root DIR] [--package DIR] [--rooms DIR,...] [--optional NAME ...]

Two grains:

* **files**: every ``.py`` module of the package (``--package``, default
  ``jetson_pose_ros/jetson_pose_ros``) and of the extra folders (``--rooms``, default ``benchmarks``,
  ``tools``, ``jetson_pose_ros/launch``, ``examples``); a ``.pyx`` module is a node without imports.
* **rooms**: each top-level module (``pose.py``, ``__init__.py``) or sub-package (``backends/``) of the
  package, and each extra folder as one room.

For both grains: import cycles (strongly connected components of more than one node), mutual
pairs (A imports B and B imports A) and the longest chain of imports (longest path once every
cycle is condensed into one node; its length in levels = nodes on it).  Every import counts,
wherever it is written (top level, in a function, under ``if TYPE_CHECKING``), as does
``importlib.import_module`` (with a literal name, or, in a file that calls it with a computed name,
every string constant of that file that names one of the measured modules, e.g. a ``"pkg.mod:Class"``
table).  Edges run to the module named: ``from pkg.sub import x`` is an edge to ``pkg/sub/x.py``
when that file exists, else to ``pkg/sub/__init__.py``; the ``__init__`` files of the parent
packages that Python also runs are not counted (as import-linter/grimp count).

Function-level imports (inside a ``def``) are listed with file:line; one is accepted when its module
is an optional dependency (``OPTIONAL`` + ``--optional``) or when a comment on its line or directly
above it says why (optional / heavy / lazy / start-up / start path / on demand); all others are
suspect, intra-package ones first of all.

``--check`` exits 1 when a target is missed: 0 cycles and 0 mutual pairs at both grains, at most
``--max-levels`` levels between rooms, no suspect function-level import.  Bad input: one line on
stderr, exit 2.
"""
from __future__ import annotations

import argparse
import ast
import io
import json
import re
import sys
import tokenize
from collections import defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = "jetson_pose_ros/jetson_pose_ros"
ROOMS = ("benchmarks", "tools", "jetson_pose_ros/launch", "examples")
MAX_LEVELS = 10
# third-party modules the package runs without (backends, ROS, recordings, plots, model tools)
OPTIONAL = frozenset("""
    openvino onnxruntime ai_edge_litert tflite_runtime tensorrt rclpy rosbags rosbag2_py mcap nncf
    matplotlib mediapipe onnx torch tensorflow ultralytics pycocotools Cython
    launch launch_ros ament_index_python builtin_interfaces std_msgs sensor_msgs geometry_msgs
    diagnostic_msgs visualization_msgs vision_msgs rcl_interfaces lifecycle_msgs cv_bridge jetson_pose_msgs
    yaml google tf2_msgs tf2_ros std_srvs hri_msgs
""".split())
REASON = re.compile(r"\b(optional|heavy|lazy|lazily|start[- ]?up|start path|on demand)\b", re.I)
MODULE_STRING = re.compile(r"^\.?[A-Za-z_]\w*(\.[A-Za-z_]\w*)*(:[A-Za-z_][\w.]*)?$")


class StructureError(Exception):
    """Bad input: a folder that is missing, a file that does not parse."""


class Module:
    def __init__(self, name: str, path: Path, label: str, room: str, in_package: bool):
        self.name, self.path, self.label, self.room, self.in_package = name, path, label, room, in_package
        self.is_package = path.stem == "__init__"


def collect(root: Path, package: str, rooms) -> dict[str, Module]:
    """Every measured module by dotted name (package modules under the package's name, the rest by
    their path from ``root``)."""
    pkg_dir = (root / package).resolve()
    if not (pkg_dir / "__init__.py").is_file():
        raise StructureError(f"{pkg_dir}: not a package (no __init__.py)")
    modules: dict[str, Module] = {}

    def add(path: Path, base: Path, label: str, room: str, in_package: bool):
        rel = path.relative_to(base)
        name = ".".join(list(rel.parts[:-1]) + ([] if path.stem == "__init__" else [path.name.split(".")[0]]))
        if name in modules:
            if path.suffix == ".pyx":  # a .py next to its .pyx: the .py is the module
                return
            if modules[name].in_package != in_package:
                raise StructureError(f"{path}: module name {name} is also a package module")
        modules[name] = Module(name, path, label, room, in_package)

    for path in sorted(pkg_dir.rglob("*.py*")):
        if path.suffix not in (".py", ".pyx") or "__pycache__" in path.parts:
            continue
        rel = path.relative_to(pkg_dir)
        room = rel.parts[0] + "/" if len(rel.parts) > 1 else rel.name
        add(path, pkg_dir.parent, rel.as_posix(), room, True)
    for folder in rooms:
        base = (root / folder).resolve()
        if not base.is_dir():
            raise StructureError(f"{base}: no such folder (--rooms)")
        for path in sorted(base.rglob("*.py")):
            if "__pycache__" in path.parts:
                continue
            label = path.relative_to(root.resolve()).as_posix()
            add(path, root.resolve(), label, folder.rstrip("/") + "/", False)
    clash = {r for r in {m.room for m in modules.values()} if r.endswith("/")} & {m.label for m in modules.values()}
    if clash:
        raise StructureError(f"room and file names clash: {', '.join(sorted(clash))}")
    return modules


def _comments(source: str) -> dict[int, str]:
    out = {}
    try:
        for tok in tokenize.generate_tokens(io.StringIO(source).readline):
            if tok.type == tokenize.COMMENT:
                out[tok.start[0]] = tok.string
    except (tokenize.TokenError, IndentationError):
        pass
    return out


def _reason(comments: dict[int, str], line: int) -> str | None:
    """The comment on the import's line or in the comment lines directly above it, if it gives a
    reason for the function-level import."""
    texts, n = [comments.get(line, "")], line - 1
    while n in comments:
        texts.append(comments[n])
        n -= 1
    text = " ".join(t.lstrip("# ") for t in texts if t)
    return text if REASON.search(text) else None


class _Imports(ast.NodeVisitor):
    """Every import of one file: (line, module named, names imported, level, in a def?, under
    TYPE_CHECKING?), plus the import_module calls."""

    def __init__(self):
        self.found, self.dynamic, self.computed = [], [], []
        self.depth = self.type_checking = 0

    def _def(self, node):
        self.depth += 1
        self.generic_visit(node)
        self.depth -= 1

    visit_FunctionDef = visit_AsyncFunctionDef = visit_Lambda = _def

    def visit_If(self, node):
        t = node.test
        tc = (isinstance(t, ast.Name) and t.id == "TYPE_CHECKING") or \
             (isinstance(t, ast.Attribute) and t.attr == "TYPE_CHECKING")
        self.type_checking += tc
        for child in node.body:
            self.visit(child)
        self.type_checking -= tc
        self.visit(node.test)
        for child in node.orelse:
            self.visit(child)

    def visit_Import(self, node):
        for a in node.names:
            self.found.append((node.lineno, a.name, [], 0, self.depth > 0, self.type_checking > 0))

    def visit_ImportFrom(self, node):
        if node.module != "__future__":
            self.found.append((node.lineno, node.module or "", [a.name for a in node.names], node.level,
                               self.depth > 0, self.type_checking > 0))

    def visit_Call(self, node):
        f = node.func
        name = f.attr if isinstance(f, ast.Attribute) else f.id if isinstance(f, ast.Name) else None
        if name in ("import_module", "__import__") and node.args:
            arg = node.args[0]
            anchor = node.args[1] if len(node.args) > 1 else next(
                (k.value for k in node.keywords if k.arg == "package"), None)
            anchor = anchor.id if isinstance(anchor, ast.Name) else None
            if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
                self.dynamic.append((node.lineno, arg.value, anchor))
            else:
                self.computed.append((node.lineno, anchor))
        self.generic_visit(node)


def _top(name: str) -> str:
    return name.split(".")[0]


def analyse(root: Path, package: str = PACKAGE, rooms=ROOMS, optional=OPTIONAL,
            max_levels: int = MAX_LEVELS) -> dict:
    root = Path(root)
    modules = collect(root, package, rooms)
    stdlib = set(sys.stdlib_module_names)
    edges: dict[tuple[str, str], list] = defaultdict(list)  # (from label, to label) -> [(line, kind)]
    function_level, unresolved, computed = [], [], []

    def known(name: str) -> str | None:
        """The longest prefix of ``name`` that is a measured module."""
        parts = name.split(".")
        for i in range(len(parts), 0, -1):
            if ".".join(parts[:i]) in modules:
                return ".".join(parts[:i])
        return None

    def own_package(m: Module) -> str:
        return m.name if m.is_package else m.name.rpartition(".")[0]

    def absolute(m: Module, name: str) -> list[tuple[str, int]]:
        """Where an absolute name may be found, with how many of its parts must be found: for a
        script outside the package its own folder first (Python puts it first on sys.path), then
        the package / the repository."""
        out = [(name, 1)]
        if not m.in_package:
            folder = own_package(m)
            if folder:
                out.insert(0, (f"{folder}.{name}", folder.count(".") + 2))
        return out

    package_name = Path(package).name
    for m in modules.values():
        if m.path.suffix == ".pyx":
            continue
        source = m.path.read_text(encoding="utf-8")
        try:
            tree = ast.parse(source, filename=str(m.path))
        except SyntaxError as e:
            raise StructureError(f"{m.path}:{e.lineno}: does not parse: {e.msg}") from None
        comments = _comments(source)
        visitor = _Imports()
        visitor.visit(tree)
        for line, name, names, level, in_def, tc in visitor.found:
            targets, outside = [], None
            if level:
                base = own_package(m).split(".")
                if not own_package(m) or level > len(base):
                    unresolved.append({"file": m.label, "line": line, "import": "." * level + name,
                                       "why": "relative import beyond the top-level package"})
                    continue
                base = ".".join(base[: len(base) - (level - 1)] + ([name] if name else []))
                candidates = [(base, 1)]
            else:
                candidates = absolute(m, name)
            for base, parts in candidates:
                if not known(base) or known(base).count(".") + 1 < parts:
                    continue
                if names:  # from base import a, b: a submodule when it is one, else base itself
                    for n in names:
                        targets.append(f"{base}.{n}" if f"{base}.{n}" in modules else known(base))
                else:
                    targets.append(known(base))
                if known(base) != base and not (names and all(f"{base}.{n}" in modules for n in names)):
                    unresolved.append({"file": m.label, "line": line, "import": "." * level + name,
                                       "why": f"no module {base}; counted as {known(base)}"})
                break
            else:
                if level or _top(name) == package_name:
                    unresolved.append({"file": m.label, "line": line, "import": "." * level + name,
                                       "why": "no such module"})
                    continue
                outside = _top(name)
            kind = "type_checking" if tc else "function" if in_def else "top"
            for t in dict.fromkeys(targets):
                if modules[t].label != m.label:
                    edges[(m.label, modules[t].label)].append((line, kind))
            if in_def:
                mod = f"from {'.' * level}{name} import {', '.join(names)}" if names or level else f"import {name}"
                if outside is None:
                    to_package = modules[targets[0]].in_package
                    category = ("intra-package" if m.in_package else "package") if to_package else "repository"
                else:
                    category = "optional" if outside in optional else "stdlib" if outside in stdlib else "external"
                reason = _reason(comments, line)
                function_level.append({"file": m.label, "line": line, "module": mod, "category": category,
                                       "reason": reason, "suspect": category != "optional" and reason is None})
        dynamic = [(line, value, anchor) for line, value, anchor in visitor.dynamic]
        if visitor.computed:  # import_module(variable): follow the file's strings that name a module
            for node in ast.walk(tree):
                if isinstance(node, ast.Constant) and isinstance(node.value, str) and MODULE_STRING.match(node.value):
                    dynamic.append((node.lineno, node.value.split(":")[0], "__name__"))
            computed += [{"file": m.label, "line": line} for line, _ in visitor.computed]
        for line, value, anchor in dynamic:
            if value.startswith("."):
                target = f"{m.name if anchor == '__name__' else own_package(m)}{value}"
            elif value in modules:
                target = value
            else:
                target = f"{own_package(m)}.{value}"
            # not the file itself, nor a package above it (a logger named after the package)
            if target in modules and not (m.name == target or m.name.startswith(target + ".")):
                edges[(m.label, modules[target].label)].append((line, "dynamic"))

    edges = {k: list(dict.fromkeys(v)) for k, v in edges.items()}
    label_room = {m.label: m.room for m in modules.values()}
    files = _grain(sorted(label_room), edges)
    room_edges = defaultdict(list)
    for (a, b), where in edges.items():
        if label_room[a] != label_room[b]:
            room_edges[(label_room[a], label_room[b])] += [(f"{a}:{line}", kind) for line, kind in where]
    room_grain = _grain(sorted(set(label_room.values())), room_edges)
    room_grain["members"] = {r: sorted(f for f, rr in label_room.items() if rr == r)
                             for r in room_grain["nodes"]}
    suspect = [f for f in function_level if f["suspect"]]
    misses = []
    for grain, g in (("files", files), ("rooms", room_grain)):
        if g["cycles"]:
            misses.append(f"{len(g['cycles'])} import cycle(s) between {grain}")
        if g["mutual_pairs"]:
            misses.append(f"{len(g['mutual_pairs'])} mutual pair(s) between {grain}")
    if room_grain["levels"] > max_levels:
        misses.append(f"{room_grain['levels']} levels between rooms (target <= {max_levels})")
    if suspect:
        misses.append(f"{len(suspect)} suspect function-level import(s)")
    return {"root": str(root.resolve()), "package": package, "rooms_outside": list(rooms),
            "files": files, "rooms": room_grain,
            "function_level_imports": function_level,
            "function_level_counts": {k: sum(f["category"] == k for f in function_level)
                                      for k in ("intra-package", "package", "repository", "optional", "stdlib",
                                                "external")},
            "suspect_function_level": len(suspect),
            "computed_import_module": computed, "unresolved": unresolved,
            "targets": {"cycles": 0, "mutual_pairs": 0, "max_levels": max_levels, "suspect_function_level": 0},
            "misses": misses, "ok": not misses}


def _sccs(nodes, succ) -> list[list[str]]:
    """Tarjan's strongly connected components (iterative)."""
    index, low, on, stack, out, counter = {}, {}, set(), [], [], [0]
    for start in nodes:
        if start in index:
            continue
        work = [(start, iter(sorted(succ[start])))]
        index[start] = low[start] = counter[0]
        counter[0] += 1
        stack.append(start)
        on.add(start)
        while work:
            v, it = work[-1]
            for w in it:
                if w not in index:
                    index[w] = low[w] = counter[0]
                    counter[0] += 1
                    stack.append(w)
                    on.add(w)
                    work.append((w, iter(sorted(succ[w]))))
                    break
                if w in on:
                    low[v] = min(low[v], index[w])
            else:
                work.pop()
                if work:
                    low[work[-1][0]] = min(low[work[-1][0]], low[v])
                if low[v] == index[v]:
                    comp = []
                    while True:
                        w = stack.pop()
                        on.discard(w)
                        comp.append(w)
                        if w == v:
                            break
                    out.append(sorted(comp))
    return out


def _grain(nodes: list[str], edges: dict) -> dict:
    succ = defaultdict(set)
    for a, b in edges:
        succ[a].add(b)
    comps = _sccs(nodes, succ)
    cycles = sorted((c for c in comps if len(c) > 1), key=lambda c: (-len(c), c))
    top_only = defaultdict(set)  # the same, counting only imports that run when the module loads
    top_only_edges = {(a, b) for (a, b), where in edges.items() if any(kind == "top" for _, kind in where)}
    for a, b in top_only_edges:
        top_only[a].add(b)
    hidden = sum(len(c) > 1 for c in _sccs(nodes, top_only))
    mutual = sorted((a, b) for a, b in edges if a < b and (b, a) in edges)
    levels, chain = _longest(comps, edges)
    unrolled, _ = _longest(comps, edges, weighted=True)
    top_levels, top_chain = _longest(_sccs(nodes, top_only), top_only_edges)
    def where(a, b):
        return [f"{w}" if isinstance(w, str) else f"{a}:{w}" for w, _ in edges[(a, b)]]

    return {"nodes": nodes, "edges": len(edges),
            "edge_list": [{"from": a, "to": b, "where": where(a, b), "kinds": sorted({k for _, k in edges[(a, b)]})}
                          for a, b in sorted(edges)],
            "cycles": cycles,
            "cycle_edges": [[f"{a} -> {b} ({', '.join(where(a, b))})" for a in c for b in c if (a, b) in edges]
                            for c in cycles],
            "cycles_top_level_only": hidden,
            "mutual_pairs": [{"pair": [a, b], "a_to_b": where(a, b), "b_to_a": where(b, a)} for a, b in mutual],
            "levels": levels, "longest_chain": chain, "levels_cycles_unrolled": unrolled,
            "levels_top_level_only": top_levels, "longest_chain_top_level_only": top_chain}


def _longest(comps: list[list[str]], edges, weighted: bool = False) -> tuple[int, list[str]]:
    """Levels (nodes) and members of the longest path once each component is one node (``weighted``:
    a component counts as many levels as it has members, as if its cycle were cut into a chain);
    Tarjan emits a component after every component it reaches, so successors have smaller indices."""
    comp_of = {v: i for i, c in enumerate(comps) for v in c}
    csucc = defaultdict(set)
    for a, b in edges:
        if comp_of[a] != comp_of[b]:
            csucc[comp_of[a]].add(comp_of[b])
    best, nxt = {}, {}
    for i, comp in enumerate(comps):
        w = len(comp) if weighted else 1
        best[i], nxt[i] = w, None
        for j in sorted(csucc[i]):
            if best[j] + w > best[i]:
                best[i], nxt[i] = best[j] + w, j
    if not comps:
        return 0, []
    i = max(range(len(comps)), key=lambda k: (best[k], -k))
    levels, chain = best[i], []
    while i is not None:
        chain.append(comps[i][0] if len(comps[i]) == 1 else "{" + ", ".join(comps[i]) + "}")
        i = nxt[i]
    return levels, chain


def report(r: dict) -> str:
    out = [f"import structure of {r['package']} (+ {', '.join(r['rooms_outside'])}) under {r['root']}"]
    for grain in ("files", "rooms"):
        g = r[grain]
        out.append(f"\n== {grain}: {len(g['nodes'])} nodes, {g['edges']} import edges")
        out.append(f"cycles: {len(g['cycles'])} ({g['cycles_top_level_only']} counting only top-level imports)")
        for c, es in zip(g["cycles"], g["cycle_edges"]):
            out.append(f"  [{len(c)}] " + " <-> ".join(c))
            out += [f"      {e}" for e in es]
        out.append(f"mutual pairs: {len(g['mutual_pairs'])}")
        for p in g["mutual_pairs"]:
            a, b = p["pair"]
            out.append(f"  {a} <-> {b}\n      {a} -> {b}: {', '.join(p['a_to_b'])}"
                       f"\n      {b} -> {a}: {', '.join(p['b_to_a'])}")
        out.append(f"longest chain: {g['levels']} levels (cycles condensed; {g['levels_cycles_unrolled']} "
                   f"counting each member of a cycle as a level)\n  " + " -> ".join(g["longest_chain"]))
        out.append(f"longest chain counting only top-level imports: {g['levels_top_level_only']} levels\n  "
                   + " -> ".join(g["longest_chain_top_level_only"]))
    fl = r["function_level_imports"]
    counts = ", ".join(f"{v} {k}" for k, v in r["function_level_counts"].items() if v)
    out.append(f"\n== function-level imports: {len(fl)} ({counts}); suspect: {r['suspect_function_level']}")
    for f in sorted(fl, key=lambda f: (not f["suspect"], f["category"], f["file"], f["line"])):
        mark = "SUSPECT" if f["suspect"] else "ok     "
        why = f"  # {f['reason']}" if f["reason"] else ""
        out.append(f"  {mark} {f['category']:13} {f['file']}:{f['line']} {f['module']}{why}")
    if r["computed_import_module"]:
        out.append("\nimport_module with a computed name (its file's module-naming strings followed): " +
                   ", ".join(f"{c['file']}:{c['line']}" for c in r["computed_import_module"]))
    dynamic = [e for e in r["files"]["edge_list"] if "dynamic" in e["kinds"]]
    if dynamic:
        out.append("edges through import_module: " + ", ".join(f"{e['from']} -> {e['to']}" for e in dynamic))
    if r["unresolved"]:
        out.append("\nunresolved imports:")
        out += [f"  {u['file']}:{u['line']} {u['import']}: {u['why']}" for u in r["unresolved"]]
    t = r["targets"]
    out.append(f"\ntargets (0 cycles, 0 mutual pairs, <= {t['max_levels']} levels between rooms, "
               f"0 suspect function-level imports): " + ("met" if r["ok"] else "missed: " + "; ".join(r["misses"])))
    return "\n".join(out)


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--root", type=Path, default=ROOT, help="repository root (default: this script's repository)")
    p.add_argument("--package", default=PACKAGE, help=f"the package's folder, from --root (default {PACKAGE})")
    p.add_argument("--rooms", default=",".join(ROOMS), help="folders outside the package, one room each, "
                   f"comma-separated, from --root ('' for none; default {','.join(ROOMS)})")
    p.add_argument("--optional", action="append", default=[], help="one more optional third-party module")
    p.add_argument("--max-levels", type=int, default=MAX_LEVELS, help="target for the longest chain of rooms")
    p.add_argument("--json", action="store_true", help="print the measures as JSON")
    p.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    a = p.parse_args(argv)
    if a.max_levels < 1:
        p.error("--max-levels must be >= 1")
    try:
        r = analyse(a.root, a.package, [f for f in a.rooms.split(",") if f.strip()],
                    OPTIONAL | set(a.optional), a.max_levels)
    except (StructureError, OSError, UnicodeDecodeError) as e:
        print(f"structure: {e}", file=sys.stderr)
        return 2
    print(json.dumps(r, indent=1) if a.json else report(r))
    return 1 if a.check and not r["ok"] else 0


if __name__ == "__main__":
    sys.exit(main())
