"""Integrity checks: find submissions that try to fool the tests instead of passing them.

Three kinds of evidence, each giving human-readable *flags*; a flagged submission is held for manual review
(see :mod:`autograder.parallel`):

1. :func:`static_flags` compares the submitted notebook with the released student version (edited,
   deleted, duplicated or added graded cells, changed cell ids, nbgrader metadata or kernel) and scans the
   code students wrote, magics parsed as IPython runs them and aliases followed, for tricks (rebinding the
   checking functions, numpy.testing or builtins, ``__eq__`` overrides, ``exec``/``eval``/``vars``/
   ``sys.modules`` games, IPython reached through ``get_ipython`` or ``exit._ip``, decoders and the
   ``NBGRADER_EXECUTION`` switch) and for what the assignment's :mod:`autograder.policies` forbid (a NumPy
   exercise solved with PyTorch or with the notebook's own reference helpers).
2. :func:`snapshot_code`: right after the kernel starts, before any student code, the grader installs
   :mod:`autograder.kernelguard`; before every tests cell it reports what changed and puts it back, after
   every tests cell it reports what the cell's run changed (:class:`autograder.sandbox.SandboxExecute`).
3. :func:`output_flags`: output in the executed notebook that imitates test results, read as a person sees
   it (tags stripped, look-alike letters folded: :mod:`autograder.outputsafety`).

(2) runs in the student's own process: what that leaves open is listed in autograder/README.md ("What
decides a grade, and what remains unprotected").
"""

from __future__ import annotations

import ast
import builtins
import json
import re

from nbformat import NotebookNode

from autograder.authoring import cell_kind
from autograder.outputsafety import fold, mixed_words, output_text, plain_text

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
    "locals", "vars",
}  # fmt: skip
#: Names that reach the interpreter or IPython however they are used (called, stored, put in a list):
#: ``f = get_ipython``, ``[get_ipython][0]()``, ``vars()['check_close'] = ...``.
SUSPICIOUS_NAMES = SUSPICIOUS_CALLS | {"__builtins__", "_ip", "__IPYTHON__", "__loader__", "__spec__"}
SUSPICIOUS_MODULES = {
    "builtins", "importlib", "ctypes", "gc", "inspect", "IPython", "unittest", "ipykernel", "jupyter_client",
    "zmq", "traitlets", "code", "codeop", "marshal", "pickle", "dill", "cloudpickle", "base64", "binascii",
    "codecs", "zlib", "bz2", "lzma", "runpy", "types", "threading", "_thread", "atexit", "weakref",
    "sysconfig", "site", "pdb", "bdb", "trace", "faulthandler", "nbformat", "nbgrader", "nbclient",
}  # fmt: skip
#: Submodules of suspicious packages that an honest answer uses (``from IPython.display import Markdown``).
HARMLESS_MODULES = {"IPython.display"}
#: Magics a student cell may use (their Python arguments and cell bodies are scanned like the rest).
SAFE_MAGICS = {
    "time", "timeit", "prun", "capture", "matplotlib", "pinfo", "pinfo2", "psearch", "pdoc", "pdef", "psource",
    "who", "whos", "who_ls", "precision", "pprint", "lsmagic", "magic", "pwd", "pip", "conda",
}  # fmt: skip
#: Magics whose argument (after options) or cell body is Python code.
CODE_MAGICS = {"time", "timeit", "prun", "capture"}
#: Text of a string that reaches the grader's switches or decodes a payload.
SUSPICIOUS_STRINGS = re.compile(r"NBGRADER|^(rot_?13|base64|hex(_codec)?|zlib(_codec)?|bz2|uu|unicode_escape)$", re.I)
#: Dunder methods that make an object pass comparisons it should fail.
COMPARISON_DUNDERS = {
    "__eq__", "__ne__", "__bool__", "__array_ufunc__", "__array_function__", "__lt__", "__le__", "__gt__", "__ge__",
    "__abs__", "__float__", "__array__", "__getattr__", "__getattribute__", "__setattr__", "__del__",
    "__instancecheck__", "__subclasscheck__", "__init_subclass__", "__set_name__", "__index__", "__array_wrap__",
    "__array_finalize__", "__array_priority__", "__complex__", "__round__",
}  # fmt: skip
#: Attributes whose use in an answer is a way around the checks (frames, code objects, module tables, hooks).
SUSPICIOUS_ATTRIBUTES = {
    "modules", "settrace", "setprofile", "excepthook", "__code__", "__globals__", "__builtins__", "__class__",
    "__subclasses__", "f_back", "f_globals", "f_locals", "_ip", "__dict__", "__closure__", "__func__", "__self__",
    "__mro__", "__bases__", "__base__", "__wrapped__", "__defaults__", "__kwdefaults__", "_getframe", "addaudithook",
    "displayhook", "breakpointhook", "gi_frame", "tb_frame", "cr_frame", "ag_frame", "environ", "getenv",
    "putenv", "__reduce__", "__reduce_ex__", "__setstate__", "__loader__", "__spec__",
}  # fmt: skip
#: Output text that imitates a test result (nbgrader's tests are silent when they pass).
#: Matched on :func:`autograder.outputsafety.plain_text` (tags stripped, look-alike letters folded). A
#: student's own "test ok" while debugging is no imitation: only claims of the suite's or the grader's verdict.
FAKE_OUTPUT = re.compile(
    r"(\ball\b[^\n]{0,30}\b(tests?|checks?)\b[^\n]{0,30}\b(pass(ed)?|succeeded|correct|ok)\b"
    r"|\b(tests?|checks?)\s+(have\s+)?(passed|succeeded)\b|[\u2713\u2714\u2705\u2611]"
    r"|\bfull\s+(marks|score)\b|\b\d+(\.\d+)?\s*/\s*\d+(\.\d+)?\s*(points?|marks?|pts)\b"
    r"|\b(score|grade|points?|marks?)\s*[:=]\s*\d+(\.\d+)?\s*(/|out\s+of)\s*\d+)",
    re.IGNORECASE,
)


def _meta(cell: NotebookNode) -> dict:
    return cell.get("metadata", {}).get("nbgrader", {}) or {}


def _norm(source: str | list[str]) -> str:
    source = "".join(source) if isinstance(source, list) else source
    return "\n".join(line.rstrip() for line in source.strip().splitlines())


def _strip_magics(source: str) -> str:
    return "\n".join("" if line.lstrip().startswith(("%", "!")) else line for line in source.splitlines())


def _to_python(source: str) -> str:
    """A cell as the Python IPython runs: magics become ``get_ipython().run_line_magic(...)`` calls."""
    from IPython.core.inputtransformer2 import TransformerManager

    try:
        return TransformerManager().transform_cell(source)
    except Exception:  # IPython cannot transform it: the cell will not run either
        return _strip_magics(source)


MAGIC_CALLS = {"run_line_magic", "run_cell_magic", "system", "getoutput"}


def _magic_call(node: ast.AST) -> tuple[str, list[str]] | None:
    """``(method, constant arguments)`` of a ``get_ipython().<magic method>(...)`` call, else None."""
    if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in MAGIC_CALLS):
        return None
    inner = node.func.value
    if not (isinstance(inner, ast.Call) and isinstance(inner.func, ast.Name) and inner.func.id == "get_ipython"):
        return None
    args = [a.value if isinstance(a, ast.Constant) and isinstance(a.value, str) else "" for a in node.args]
    return node.func.attr, args


def _magic_code(line: str) -> str:
    """The Python code in a line magic's argument (``-n 10 -r 3 f(x)`` -> ``f(x)``), '' if none parses."""
    words = line.split()
    for start in range(len(words) + 1):
        code = " ".join(words[start:])
        try:
            ast.parse(code)
            return code
        except SyntaxError:
            continue
    return ""


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


def code_flags(source: str | list[str], protected: set[str], policy=None, imports: dict | None = None) -> list[str]:
    """Tricks in one student-written cell (empty if it does not parse: that is a wrong answer, not a trick).

    Magics are parsed as IPython runs them (the Python in ``%time ...`` and in ``%%capture`` bodies is scanned
    too; a magic outside :data:`SAFE_MAGICS` is a flag), and names are followed through aliases.

    Args:
        source: the cell's code.
        protected: names the cell must not rebind.
        policy: a :class:`autograder.policies.Policy` of what the cell must not use, with ``forbidden``
            names (the notebook's reference helpers) as an extra attribute set by :func:`static_flags`.
        imports: name -> module of the release's own imports (re-importing the same module is no rebinding).
    """
    source = "".join(source) if isinstance(source, list) else source
    python = _to_python(source)
    try:
        tree = ast.parse(python)
    except SyntaxError:
        return []
    imports = imports or {}
    flags: list[str] = []
    written_get_ipython = "get_ipython" in source
    called = {id(n.func) for n in ast.walk(tree) if isinstance(n, ast.Call)}
    for node in ast.walk(tree):
        magic = _magic_call(node)
        if magic is None:
            continue
        method, args = magic
        if method in ("system", "getoutput"):
            flags.append(f"runs a shell command `!{(args or [''])[0][:60]}`")
            continue
        name = (args or [""])[0]
        if name not in SAFE_MAGICS:
            flags.append(f"uses the magic `%{name}`")
        inner = ""
        if method == "run_line_magic" and name in CODE_MAGICS:
            inner = _magic_code(args[1] if len(args) > 1 else "")
        elif method == "run_cell_magic":
            inner = (_magic_code(args[1]) if len(args) > 1 else "") + "\n" + (args[2] if len(args) > 2 else "")
        if inner.strip():
            flags += code_flags(inner, protected, policy, imports)
    roots = set(MODULE_ROOTS)
    for node in ast.walk(tree):  # aliases: `import lstm_course.checks as c`, `from numpy import testing as t`
        if isinstance(node, ast.Import):
            roots |= {(a.asname or a.name).split(".")[0] for a in node.names if a.name.split(".")[0] in WATCHED_MODULES}
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in WATCHED_MODULES:
            roots |= {a.asname or a.name for a in node.names}
    for _ in range(3):  # and through assignments: `t = np.testing`, `c = checks`
        for node in ast.walk(tree):
            if isinstance(node, ast.Assign) and _root_name(node.value) in roots:
                roots |= {n.id for t in node.targets for n in _bound(t) if isinstance(n, ast.Name)}

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
            for a in node.names:
                if (a.asname or a.name) == "*":
                    continue
                bound = (a.asname or a.name).split(".")[0]
                module = a.name if isinstance(node, ast.Import) else f"{node.module}.{a.name}"
                if isinstance(node, ast.Import) and not a.asname:
                    module = bound
                if imports.get(bound) != module:  # re-importing what the course imported under that name is fine
                    names.append(bound)
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
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            if node.value in COMPARISON_DUNDERS:
                flags.append(f"names `{node.value}` in a string (a class built on the fly?)")
            elif node.value in SUSPICIOUS_NAMES or node.value in SUSPICIOUS_ATTRIBUTES - {"modules", "environ"}:
                flags.append(f"names `{node.value}` in a string")
            elif SUSPICIOUS_STRINGS.search(node.value):
                flags.append(f"names `{node.value[:40]}` in a string (grading switch or encoded payload)")
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Name) and node.func.id in SUSPICIOUS_CALLS:
            if node.func.id != "get_ipython" or written_get_ipython:
                flags.append(f"calls `{node.func.id}()`")
        elif isinstance(node, ast.Name) and node.id in SUSPICIOUS_NAMES and id(node) not in called:
            if node.id != "get_ipython" or written_get_ipython:
                flags.append(f"uses `{node.id}`")
        if isinstance(node, (ast.Import, ast.ImportFrom)):
            mods = [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
            for mod in mods:
                if mod.split(".")[0] in SUSPICIOUS_MODULES and mod not in HARMLESS_MODULES:
                    flags.append(f"imports `{mod}`")
        if isinstance(node, ast.Attribute) and node.attr in SUSPICIOUS_ATTRIBUTES:
            flags.append(f"uses `{_dotted(node)}`")
    if policy is not None:
        flags += _policy_flags(tree, policy)
    return list(dict.fromkeys(flags))


def _policy_flags(tree: ast.AST, policy) -> list[str]:
    """Uses of what ``policy`` forbids: its modules (imported, or by a name the notebook bound to them), the
    notebook's reference helpers, and strings naming either (``__import__("tor" + "ch")`` is flagged anyway)."""
    forbidden = set(policy.names)
    flags = []
    for node in ast.walk(tree):
        used = None
        if isinstance(node, ast.Import):
            used = next((a.name for a in node.names if a.name.split(".")[0] in policy.modules), None)
        elif isinstance(node, ast.ImportFrom) and (node.module or "").split(".")[0] in policy.modules:
            used = node.module
        elif isinstance(node, ast.Name) and node.id in forbidden:
            used = node.id
        elif isinstance(node, ast.Constant) and isinstance(node.value, str):
            word = node.value.strip()
            if word.split(".")[0] in policy.modules or word in forbidden:
                used = word
        if used:
            flags.append(f"uses `{used}` in {policy.why}")
    return flags


def forbidden_names(release: NotebookNode, modules: frozenset[str]) -> set[str]:
    """Names of the release's course cells that give ``modules`` away: names bound to those modules and the
    functions, classes and variables of locked and tests cells that use them, directly or through each other."""
    defs: dict[str, set[str]] = {}
    found: set[str] = set()
    for cell in release.cells:
        if cell.cell_type != "code" or cell_kind(cell) == "solution":
            continue
        try:
            tree = ast.parse(_to_python(cell.source))
        except SyntaxError:
            continue
        for node in tree.body:
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                for a in node.names:
                    module = a.name if isinstance(node, ast.Import) else node.module or ""
                    if module.split(".")[0] in modules:
                        found.add((a.asname or a.name).split(".")[0])
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                defs[node.name] = {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}
            elif isinstance(node, ast.Assign):
                used = {n.id for n in ast.walk(node.value) if isinstance(n, ast.Name)}
                loaded = _loaded_module(node.value)
                for t in node.targets:
                    for n in _bound(t):
                        if isinstance(n, ast.Name):
                            defs[n.id] = used
                            if loaded and loaded.split(".")[0] in modules:  # torch = optional_import("torch")
                                found.add(n.id)
    changed = True
    while changed:
        changed = False
        for name, used in defs.items():
            if name not in found and used & found:
                found.add(name)
                changed = True
    return found


#: Functions that load a module named by their first argument, as the course's imports cells do
#: (``torch = optional_import("torch", ...)`` in 02-04, so that the NumPy exercises grade without torch).
MODULE_LOADERS = frozenset({"optional_import", "import_module", "__import__"})


def _loaded_module(value: ast.AST) -> str | None:
    """The module ``value`` loads when it is a call like ``optional_import("torch")``, else None."""
    if not (isinstance(value, ast.Call) and value.args and isinstance(value.args[0], ast.Constant)):
        return None
    func = value.func
    name = func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None
    module = value.args[0].value
    return module if name in MODULE_LOADERS and isinstance(module, str) else None


def _import_bindings(source: str) -> dict[str, str]:
    """name -> module (or ``module.name``) of a course cell's top-level imports (and module loads, see
    :data:`MODULE_LOADERS`)."""
    try:
        tree = ast.parse(_to_python(source))
    except SyntaxError:
        return {}
    out: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.Import):
            for a in node.names:
                out[(a.asname or a.name).split(".")[0]] = a.name if a.asname else a.name.split(".")[0]
        elif isinstance(node, ast.ImportFrom):
            out.update({a.asname or a.name: f"{node.module}.{a.name}" for a in node.names})
        elif isinstance(node, ast.Assign) and (loaded := _loaded_module(node.value)):
            out.update({t.id: loaded for t in node.targets if isinstance(t, ast.Name)})
    return out


def static_flags(submitted: NotebookNode, release: NotebookNode, assignment: str | None = None) -> list[str]:
    """Flags from comparing a submission with the released student version and scanning student code.

    ``assignment`` selects its :mod:`autograder.policies` (what its exercises must not use).
    """
    from autograder.policies import any_policy, policy_for

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
        has_ids = submitted.get("nbformat_minor", 5) >= 5 and cell.get("id") is not None
        if has_ids and cell.get("id") != ref.get("id"):  # nbformat 4.4 and older have no cell ids at all
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
    imports: dict[str, str] = {}
    for cell in release.cells:
        if cell.cell_type == "code" and cell_kind(cell) != "solution":
            imports.update(_import_bindings(cell.source))
    unchanged = {_norm(c.source) for c in release.cells if c.cell_type == "code" and cell_kind(c) != "solution"}
    added = any_policy(assignment)
    helpers = forbidden_names(release, added.modules) if added else set()
    for cell in submitted.cells:
        if cell.cell_type != "code" or cell_kind(cell) in ("tests", "locked", "setup"):
            continue
        if cell_kind(cell) == "code" and _norm(cell.source) in unchanged:
            continue  # the course's own demonstration code, as released
        grade_id = _meta(cell).get("grade_id")
        policy = policy_for(assignment, grade_id) if cell_kind(cell) == "solution" else added
        if policy is not None:
            policy = _with_helpers(policy, helpers)
        where = grade_id or cell.get("id") or "?"
        flags += [f"cell {where!r} {flag}" for flag in code_flags(cell.source, protected, policy, imports)]
    return list(dict.fromkeys(flags))


def _with_helpers(policy, helpers: set[str]):
    """``policy`` with the notebook's reference helpers as its ``forbidden`` names."""
    import dataclasses

    return dataclasses.replace(policy, names=frozenset(policy.names) | frozenset(helpers))


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
        unchanged = {_norm(c.source) for c in release.cells if c.cell_type == "code" and cell_kind(c) != "solution"}
    flags = []
    for cell in executed.cells:
        if cell.cell_type != "code":
            continue
        outputs = cell.get("outputs", [])
        text = plain_text(outputs)
        own = cell_kind(cell) in ("tests", "locked", "setup") or _norm(cell.source) in unchanged
        source = fold(cell.source)
        if own:
            text = "\n".join(line for line in text.splitlines() if not line.strip() or line.strip() not in source)
        where = _meta(cell).get("grade_id") or cell.get("id") or "?"
        match = FAKE_OUTPUT.search(text)
        if match:
            flags.append(f"cell {where!r} prints {match.group(0)!r}, which imitates a test result")
        raw = "\n".join(output_text(o) for o in outputs)
        mixed = [w for w in mixed_words(raw) if own is False or w not in cell.source]
        if mixed:
            flags.append(f"cell {where!r} prints {mixed[0]!r}, a word mixing Latin with Cyrillic or Greek letters")
    return flags


# -- in-kernel probes ---------------------------------------------------------------------------------------


def snapshot_code(token: str) -> str:
    """Code the grader runs silently in a fresh kernel, before any student code: :mod:`autograder.kernelguard`'s
    source and its ``install``."""
    import inspect

    from autograder import kernelguard

    names = sorted(n for n in PROTECTED if hasattr(builtins, n) and n not in {"__import__", "__builtins__"})
    names += ["__import__", "ValueError", "TypeError", "callable", "id", "setattr", "exec", "compile", "vars"]
    source = inspect.getsource(kernelguard)
    # Its own globals (not the notebook's namespace, whose __builtins__ a student can replace).
    return (
        "def __ag_boot(source, token, names):\n"
        "    import builtins\n"
        "    scope = {'__builtins__': builtins, 'get_ipython': get_ipython, '__name__': '_ag_guard'}\n"
        "    exec(compile(source, '<autograder guard>', 'exec'), scope)\n"
        "    scope['install'](token, names)\n"
        f"__ag_boot({source!r}, {token!r}, {names!r})\n"
        "del __ag_boot\n"
    )


def guard_expression(token: str, call: str) -> str:
    """A ``user_expressions`` entry calling ``call`` (``guard()``, ``probe()``, ``record([...])``) of the guard."""
    return f"__import__('sys').modules['_ag_{token}'].{call}"


def probe_expression(token: str) -> dict[str, str]:
    """``user_expressions`` asking the kernel what changed since the snapshot (without putting it back)."""
    return {"probe": guard_expression(token, "probe()")}


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
