"""Integrity checks: find submissions that try to fool the tests instead of passing them.

Three kinds of evidence, each giving human-readable *flags*; a flagged submission is held for manual review
(see :mod:`autograder.parallel`):

1. :func:`static_flags` compares the submitted notebook with the released student version (edited,
   deleted, duplicated or added graded cells, changed cell ids, nbgrader metadata or kernel) and scans the
   code students wrote for tricks (rebinding the checking functions, numpy.testing or builtins, ``__eq__``
   overrides, ``exec``/``eval``/``sys.modules``/``get_ipython`` games).
2. :func:`snapshot_code` / :func:`read_probe`: right after the kernel starts, before any student code, the
   grader records the identity of the checking functions, numpy's comparison functions, key builtins and
   IPython's error display; before every tests cell it asks the kernel whether any of them changed.
3. :func:`output_flags`: text in the executed notebook that imitates test results.

These catch the usual tricks, not a determined attacker who has read this file: everything in (2) runs in
the student's own process.
"""

from __future__ import annotations

import ast
import builtins
import json
import re

from nbformat import NotebookNode

from autograder.authoring import cell_kind

#: Names a student cell must not rebind at the top level: the checking machinery's vocabulary.
PROTECTED = {
    "print", "AssertionError", "Exception", "BaseException", "isinstance", "issubclass", "hasattr", "getattr",
    "len", "abs", "all", "any", "bool", "float", "int", "repr", "str", "type", "max", "min", "sum", "round",
    "__import__", "__builtins__", "np", "numpy", "get_ipython", "range", "zip", "object",
}  # fmt: skip
#: Roots of attribute chains a student must not assign to (``np.testing.assert_allclose = ...``).
MODULE_ROOTS = {"np", "numpy", "builtins", "__builtins__", "checks", "lstm_course", "testing", "sys", "math"}
#: Modules whose names, however a cell imports them, are roots of attribute chains it must not assign to.
WATCHED_MODULES = {"numpy", "lstm_course", "builtins", "sys", "math", "IPython"}
#: Calls that have no place in an answer and are the usual ways around the checks above.
SUSPICIOUS_CALLS = {
    "exec", "eval", "compile", "__import__", "globals", "setattr", "delattr", "get_ipython", "breakpoint",
}  # fmt: skip
SUSPICIOUS_MODULES = {"builtins", "importlib", "ctypes", "gc", "inspect", "IPython", "unittest"}
#: Dunder methods that make an object pass comparisons it should fail.
COMPARISON_DUNDERS = {
    "__eq__", "__ne__", "__bool__", "__array_ufunc__", "__array_function__", "__lt__", "__le__", "__gt__", "__ge__",
    "__abs__", "__float__", "__array__", "__getattr__",
}  # fmt: skip
#: Attributes whose use in an answer is a way around the checks (frames, code objects, module tables, hooks).
SUSPICIOUS_ATTRIBUTES = {
    "modules", "settrace", "setprofile", "excepthook", "__code__", "__globals__", "__builtins__", "__class__",
    "__subclasses__", "f_back", "f_globals", "f_locals",
}  # fmt: skip
#: Output text that imitates a test result (nbgrader's tests are silent when they pass).
FAKE_OUTPUT = re.compile(
    r"(\b(all\s+)?(tests?|checks?)\b[^\n]{0,40}\b(pass(ed)?|ok|succeeded|correct)\b|[\u2713\u2714\u2705]"
    r"|\bfull\s+marks\b|\b\d+(\.\d+)?\s*/\s*\d+(\.\d+)?\s*(points?|marks?|pts)\b)",
    re.IGNORECASE,
)


def _meta(cell: NotebookNode) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def _norm(source: str | list[str]) -> str:
    source = "".join(source) if isinstance(source, list) else source
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def _strip_magics(source: str) -> str:
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def _root_name(node: ast.AST) -> str | None:
    while isinstance(node, (ast.Attribute, ast.Subscript)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def _bound(target: ast.AST) -> list[ast.AST]:
    """What an assignment target binds: the target itself, or each element of a tuple/list/starred target.

    Index expressions are not bound: in ``cm[np.asarray(y)] += 1`` only ``cm[...]`` is assigned to.
    """
    if isinstance(target, (ast.Tuple, ast.List)):
        return [b for elt in target.elts for b in _bound(elt)]
    if isinstance(target, ast.Starred):
        return _bound(target.value)
    return [target]


def _dotted(node: ast.AST) -> str:
    try:
        return ast.unparse(node)
    except Exception:  # pragma: no cover - unparse handles every node ast.parse makes
        return "?"


def code_flags(source: str | list[str], protected: set[str]) -> list[str]:
    """Tricks in one student-written cell (empty if it does not parse: that is a wrong answer, not a trick)."""
    source = "".join(source) if isinstance(source, list) else source
    try:
        tree = ast.parse(_strip_magics(source))
    except SyntaxError:
        return []
    flags: list[str] = []
    roots = set(MODULE_ROOTS)
    for node in ast.walk(tree):  # aliases: `import lstm_course.checks as c`, `from numpy import testing as t`
        if isinstance(node, ast.Import):
            roots |= {(a.asname or a.name).split(".")[0] for a in node.names if a.name.split(".")[0] in WATCHED_MODULES}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in WATCHED_MODULES:
            roots |= {a.asname or a.name for a in node.names}

    def targets(node: ast.AST) -> list[ast.AST]:
        if isinstance(node, (ast.Assign,)):
            return list(node.targets)
        if isinstance(node, (ast.AugAssign, ast.AnnAssign)):
            return [node.target]
        if isinstance(node, ast.Delete):
            return list(node.targets)
        return []

    # Top-level rebinding of protected names (functions' local variables are harmless).
    for node in tree.body:
        names: list[str] = []
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names += [(a.asname or a.name).split(".")[0] for a in node.names if (a.asname or a.name) != "*"]
            if isinstance(node, ast.ImportFrom) and node.module in {"lstm_course.checks", "numpy.testing"}:
                names = []  # re-importing the real thing is fine
            if isinstance(node, ast.Import) and all(a.name == "numpy" and a.asname in (None, "np") for a in node.names):
                names = []
        for target in targets(node):
            names += [sub.id for sub in _bound(target) if isinstance(sub, ast.Name)]
        for name in names:
            if name in protected:
                flags.append(f"redefines `{name}`, which the tests use")
    for node in ast.walk(tree):
        for target in targets(node):
            for sub in _bound(target):
                if isinstance(sub, (ast.Attribute, ast.Subscript)) and _root_name(sub) in roots:
                    flags.append(f"assigns to `{_dotted(sub)}` (monkeypatching)")
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and node.name in COMPARISON_DUNDERS:
            flags.append(f"defines `{node.name}` (objects that compare or convert however they like)")
        if isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value in COMPARISON_DUNDERS:
            flags.append(f"names `{node.value}` in a string (a class built on the fly?)")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in SUSPICIOUS_CALLS:
            flags.append(f"calls `{node.func.id}()`")
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for mod in mods:
                if mod.split(".")[0] in SUSPICIOUS_MODULES:
                    flags.append(f"imports `{mod}`")
        if isinstance(node, ast.Attribute) and node.attr in SUSPICIOUS_ATTRIBUTES:
            flags.append(f"uses `{_dotted(node)}`")
    return list(dict.fromkeys(flags))


def static_flags(submitted: NotebookNode, release: NotebookNode) -> list[str]:
    """Flags from comparing a submission with the released student version and scanning student code."""
    flags: list[str] = []
    want_kernel = release.metadata.get("kernelspec", {}).get("name")
    got_kernel = submitted.metadata.get("kernelspec", {}).get("name")
    if want_kernel and got_kernel != want_kernel:
        flags.append(f"kernel changed from {want_kernel} to {got_kernel}")
    released = {_meta(c)["grade_id"]: c for c in release.cells if _meta(c).get("grade_id")}
    counts: dict[str, int] = {}
    for cell in submitted.cells:
        grade_id = _meta(cell).get("grade_id")
        if not grade_id:
            continue
        counts[grade_id] = counts.get(grade_id, 0) + 1
        ref = released.get(grade_id)
        if ref is None:
            flags.append(f"unknown graded cell {grade_id!r} added")
            continue
        if counts[grade_id] > 1:
            continue
        if cell.get("id") != ref.get("id"):
            flags.append(f"cell id of {grade_id!r} changed ({ref.get('id')} -> {cell.get('id')})")
        keys = ("grade", "solution", "locked", "points", "grade_id", "task")
        if any(_meta(cell).get(k) != _meta(ref).get(k) for k in keys) or cell.cell_type != ref.cell_type:
            flags.append(f"nbgrader metadata of {grade_id!r} changed")
        elif cell_kind(ref) in ("tests", "locked", "setup") and _norm(cell.source) != _norm(ref.source):
            flags.append(f"{cell_kind(ref)} cell {grade_id!r} edited (the original was run)")
    for grade_id, ref in released.items():
        if counts.get(grade_id, 0) == 0:
            flags.append(f"{cell_kind(ref)} cell {grade_id!r} deleted")
        elif counts[grade_id] > 1:
            flags.append(f"{cell_kind(ref)} cell {grade_id!r} duplicated ({counts[grade_id]} copies)")
    protected = set(PROTECTED)
    for cell in release.cells:
        if cell_kind(cell) in ("locked", "setup"):
            protected |= _bound_names(cell.source)
    protected -= {n for c in release.cells if cell_kind(c) in ("solution", "code") for n in _bound_names(c.source)}
    unchanged = {(c.get("id"), _norm(c.source)) for c in release.cells if c.cell_type == "code"}
    for cell in submitted.cells:
        if cell.cell_type != "code" or cell_kind(cell) in ("tests", "locked", "setup"):
            continue
        if cell_kind(cell) == "code" and (cell.get("id"), _norm(cell.source)) in unchanged:
            continue  # the course's own demonstration code, as released
        where = _meta(cell).get("grade_id") or cell.get("id") or "?"
        flags += [f"cell {where!r} {flag}" for flag in code_flags(cell.source, protected)]
    return list(dict.fromkeys(flags))


def _bound_names(source: str) -> set[str]:
    try:
        tree = ast.parse(_strip_magics(source))
    except SyntaxError:
        return set()
    names: set[str] = set()
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.add(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names |= {(a.asname or a.name).split(".")[0] for a in node.names}
        elif isinstance(node, ast.Assign):
            names |= {n.id for t in node.targets for n in ast.walk(t) if isinstance(n, ast.Name)}
    return names


def output_flags(executed: NotebookNode, release: NotebookNode | None = None) -> list[str]:
    """Flags for output of code cells that imitates test results.

    Lines that the course's own cells print themselves (the cell's source holds them literally, e.g.
    ``print("sigmoid: visible tests passed.")``) do not count. The course's own cells are the tests, locked
    and setup cells (nbgrader restores them) and, given the ``release`` (the released student version), the
    ordinary code cells whose id and source are as released.
    """
    unchanged = set()
    if release is not None:
        unchanged = {(c.get("id"), _norm(c.source)) for c in release.cells if c.cell_type == "code"}
    flags = []
    for cell in executed.cells:
        if cell.cell_type != "code":
            continue
        text = "".join(
            o.get("text", "") if o.get("output_type") == "stream" else str(o.get("data", {}).get("text/plain", ""))
            for o in cell.get("outputs", [])
        )
        own = cell_kind(cell) in ("tests", "locked", "setup") or (cell.get("id"), _norm(cell.source)) in unchanged
        if own:
            text = "\n".join(line for line in text.splitlines() if not line.strip() or line.strip() not in cell.source)
        match = FAKE_OUTPUT.search(text)
        if match:
            where = _meta(cell).get("grade_id") or cell.get("id") or "?"
            flags.append(f"cell {where!r} prints {match.group(0)!r}, which imitates a test result")
    return flags


# -- in-kernel probes ---------------------------------------------------------------------------------------

_SNAPSHOT = r"""
def __ag_install(token):
    import builtins, sys, types
    import numpy, numpy.testing
    try:
        import lstm_course.checks as checks
    except Exception:
        checks = None
    ip = get_ipython()
    watched = {}
    def own(module):
        return [
            n for n in dir(module)
            if not n.startswith("_") and getattr(getattr(module, n), "__module__", None) == module.__name__
        ]
    def watch(prefix, owner, names):
        for name in names:
            value = getattr(owner, name, None)
            if value is not None:
                function = getattr(value, "__func__", value)
                watched[prefix + name] = (owner, name, function, getattr(value, "__code__", None))
    watch("builtins.", builtins, BUILTIN_NAMES)
    watch("numpy.testing.", numpy.testing, [n for n in dir(numpy.testing) if n.startswith("assert")])
    watch("numpy.", numpy, ["allclose", "isclose", "array_equal", "asarray", "array", "all", "any", "abs",
                            "isfinite", "max", "testing"])
    if checks is not None:
        watch("lstm_course.checks.", checks, own(checks))
    watch("ipython.", ip, ["showtraceback", "_showtraceback", "run_cell", "run_ast_nodes", "run_code", "ev", "ex"])
    watch("sys.", sys, ["excepthook"])
    modules = {name: sys.modules.get(name) for name in ("numpy", "numpy.testing", "lstm_course.checks", "builtins")}
    originals = {"np": numpy}
    if checks is not None:
        originals.update({n: getattr(checks, n) for n in own(checks)})
    user_ns = ip.user_ns
    def probe():
        changed = []
        changed += ["notebook name " + n for n, v in originals.items() if n in user_ns and user_ns[n] is not v]
        for key, (owner, name, value, code) in watched.items():
            now = getattr(owner, name, None)
            if getattr(now, "__func__", now) is not value or getattr(now, "__code__", None) is not code:
                changed.append(key)
        changed += ["sys.modules[%s]" % n for n, m in modules.items() if sys.modules.get(n) is not m]
        return token + ":" + ",".join(changed)
    module = types.ModuleType("_ag_" + token[:12])
    module.probe = probe
    sys.modules[module.__name__] = module
__ag_install(TOKEN)
del __ag_install
"""


def snapshot_code(token: str) -> str:
    """Code the grader runs silently in a fresh kernel, before any student code."""
    names = sorted(n for n in PROTECTED if hasattr(builtins, n) and n not in {"__import__", "__builtins__"})
    names += ["__import__", "ValueError", "TypeError", "callable", "id", "setattr"]
    return _SNAPSHOT.replace("BUILTIN_NAMES", repr(names)).replace("TOKEN", repr(token))


def probe_expression(token: str) -> dict[str, str]:
    """``user_expressions`` asking the kernel what changed since the snapshot."""
    return {"probe": f"__import__('sys').modules['_ag_{token[:12]}'].probe()"}


def read_probe(reply: dict | None, token: str) -> str:
    """'' if nothing changed, else a description of what did (or of the probe being tampered with)."""
    if not reply:
        return "probe got no reply"
    result = reply.get("content", {}).get("user_expressions", {}).get("probe", {})
    if result.get("status") != "ok":
        return f"probe failed ({result.get('ename', 'no result')})"
    text = result.get("data", {}).get("text/plain", "")
    try:
        text = ast.literal_eval(text)
    except (ValueError, SyntaxError):
        return "probe answer tampered with"
    if not isinstance(text, str) or not text.startswith(token + ":"):
        return "probe answer tampered with"
    changed = text[len(token) + 1 :]
    return f"changed: {changed}" if changed else ""


def probe_flags(report: dict) -> list[str]:
    """Flags from a :class:`~autograder.sandbox.SandboxExecute` report."""
    flags = []
    if report.get("snapshot_error"):
        flags.append(f"integrity snapshot failed: {report['snapshot_error']}")
    seen: set[str] = set()
    for cell, found in report.get("probes", {}).items():
        if found not in seen:
            flags.append(f"before tests cell {cell!r}: {found}")
            seen.add(found)
    return flags


def dumps(flags: list[str]) -> str:
    return json.dumps(flags)
