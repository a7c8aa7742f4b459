"""The grader's code inside a student's kernel: snapshot, probe and reset of everything the tests rely on.

This module is never imported by the grader. :class:`autograder.sandbox.SandboxExecute` sends its source to a
freshly started kernel, before any student code, and calls :func:`install` with a random token. It leaves one
object, ``sys.modules["_ag_<token>"]``, whose functions the grader calls through ``user_expressions``
(evaluated by IPython with ``eval``: no input transformer, AST transformer or ``pre_run_cell`` event sees them):

- ``record(names)``: after each course-owned cell (setup, locked, tests), remember what the functions,
  classes and modules it defined are (object and code), so that a later rebinding is seen and undone
  (other objects, such as a trained model, are working state that later cells may rebind);
- ``guard()``: before each tests cell, report what changed since the snapshot (builtins, numpy's comparison
  functions, ``lstm_course.checks`` and its private helpers, IPython's and ipykernel's methods and objects, input and
  AST transformers, event callbacks, custom exception handlers, ``sys.stdout``/``stderr``, the notebook's
  ``__builtins__``, the recorded names), then put all of it back: checks freshly re-imported from their
  read-only files, IPython's hooks as they were at start-up, recorded names rebound to the originals;
- ``probe()``: after each tests cell, report what changed during it (a student function the tests called
  may have installed a hook).

Each answer is ``token + ":" + comma-separated changes``. All of this runs in the student's process: a
submission that has read this file can still subvert it (see "What remains unprotected" in
autograder/README.md); the static scan (:mod:`autograder.integrity`) flags the ways to reach it.
"""

# Sent to the kernel as source: standard library only, nothing of the grader.


def install(token, builtin_names):
    import builtins
    import importlib
    import sys
    import types

    import numpy
    import numpy.testing

    try:
        import lstm_course.checks as checks
    except Exception:  # a notebook without the course's helper package
        checks = None
    ip = get_ipython()  # noqa: F821 -- defined in every IPython kernel
    kernel = getattr(ip, "kernel", None)
    session = getattr(kernel, "session", None)
    roots = tuple({sys.prefix, sys.base_prefix, sys.exec_prefix})

    watched = {}

    def own(module):
        return [n for n in dir(module) if getattr(getattr(module, n), "__module__", None) == module.__name__]

    def watch(prefix, owner, names):
        for name in names:
            value = getattr(owner, name, None)
            if value is not None:
                function = getattr(value, "__func__", value)
                watched[prefix + name] = (owner, name, value, function, getattr(function, "__code__", None))

    watch("builtins.", builtins, builtin_names)
    watch("numpy.testing.", numpy.testing, [n for n in dir(numpy.testing) if n.startswith("assert")])
    watch("numpy.", numpy, ["allclose", "isclose", "array_equal", "asarray", "array", "all", "any", "abs",
                            "isfinite", "max", "testing"])  # fmt: skip
    if checks is not None:
        watch("lstm_course.checks.", checks, own(checks))
    shell_methods = ["showtraceback", "_showtraceback", "showsyntaxerror", "run_cell", "run_cell_async",
                     "run_ast_nodes", "run_code", "transform_cell", "ev", "ex", "user_expressions",
                     "set_custom_exc"]  # fmt: skip
    watch("ipython.", ip, shell_methods)
    if kernel is not None:
        watch("kernel.", kernel, ["do_execute", "execute_request", "send_response"])
    if session is not None:
        watch("session.", session, ["send", "serialize"])
    modules = {n: sys.modules.get(n) for n in ("numpy", "numpy.testing", "lstm_course.checks", "builtins", "sys")}
    itm = ip.input_transformer_manager
    hooks = {
        "input_transformers_cleanup": (ip, list(ip.input_transformers_cleanup)),
        "input_transformers_post": (ip, list(ip.input_transformers_post)),
        "ast_transformers": (ip, list(ip.ast_transformers)),
        "input_transformer_manager.cleanup_transforms": (itm, list(itm.cleanup_transforms)),
        "input_transformer_manager.line_transforms": (itm, list(itm.line_transforms)),
        "input_transformer_manager.token_transformers": (itm, list(itm.token_transformers)),
    }
    callbacks = {event: list(cbs) for event, cbs in ip.events.callbacks.items()}
    shell_attrs = ["input_transformer_manager", "compile", "displayhook", "display_pub", "display_formatter",
                   "events", "InteractiveTB", "SyntaxTB", "user_ns", "user_global_ns"]  # fmt: skip
    attrs = {name: getattr(ip, name, None) for name in shell_attrs}
    user_builtins = ip.user_ns.get("__builtins__")
    streams = {"stdout": sys.stdout, "stderr": sys.stderr}
    custom = (ip.custom_exceptions, ip.CustomTB)
    recorded = {}

    def library(callback):
        """A callback registered by an installed library (matplotlib's inline backend), not by the student."""
        code = getattr(getattr(callback, "__func__", callback), "__code__", None)
        filename = getattr(code, "co_filename", "")
        return bool(filename) and filename.startswith(roots) and "/tmp" not in filename

    def changes():
        found = []
        for key, (owner, name, _value, function, code) in watched.items():
            now = getattr(owner, name, None)
            if getattr(now, "__func__", now) is not function or getattr(function, "__code__", None) is not code:
                found.append(key)
        found += [f"sys.modules[{n}]" for n, m in modules.items() if sys.modules.get(n) is not m]
        found += ["IPython " + n for n, v in attrs.items() if getattr(ip, n, None) is not v]
        if ip.user_ns.get("__builtins__") is not user_builtins:
            found.append("notebook name __builtins__")
        for key, (owner, saved) in hooks.items():
            attr = key.rsplit(".", 1)[-1]
            if list(getattr(owner, attr, [])) != saved:
                found.append("IPython " + key)
        for event, cbs in ip.events.callbacks.items():
            if [cb for cb in cbs if cb not in callbacks.get(event, []) and not library(cb)]:
                found.append("IPython event " + event)
        if (ip.custom_exceptions, ip.CustomTB) != custom:
            found.append("IPython custom exception handler")
        found += ["sys." + n for n, s in streams.items() if getattr(sys, n) is not s]
        for name, (obj, code) in recorded.items():
            now = ip.user_ns.get(name)
            if now is not obj or getattr(obj, "__code__", None) is not code:
                found.append("notebook name " + name)
        return found

    def reset():
        for owner, name, value, function, code in watched.values():
            if code is not None and getattr(function, "__code__", None) is not code:
                function.__code__ = code
            now = getattr(owner, name, None)
            if getattr(now, "__func__", now) is function:
                continue
            instance = getattr(owner, "__dict__", None)
            if isinstance(owner, types.ModuleType) or owner is builtins:
                setattr(owner, name, value)
                continue
            if instance is not None and name in instance and not hasattr(value, "__func__"):
                instance[name] = value
                continue
            if instance is not None:
                instance.pop(name, None)
            now = getattr(owner, name, None)
            if getattr(now, "__func__", now) is not function:
                setattr(type(owner), name, function)
        for name, module in modules.items():
            sys.modules[name] = module
        for name, value in attrs.items():
            if getattr(ip, name, None) is not value:
                try:
                    setattr(ip, name, value)
                except Exception:  # a traitlet that refuses: probe() reports it again
                    pass
        ip.user_ns["__builtins__"] = user_builtins
        for key, (owner, saved) in hooks.items():
            getattr(owner, key.rsplit(".", 1)[-1])[:] = saved
        for event, cbs in ip.events.callbacks.items():
            cbs[:] = [cb for cb in cbs if cb in callbacks.get(event, []) or library(cb)]
        ip.custom_exceptions, ip.CustomTB = custom
        for name, stream in streams.items():
            setattr(sys, name, stream)
        fresh = importlib.reload(checks) if checks is not None else None
        for name, (obj, code) in recorded.items():
            if code is not None and getattr(obj, "__code__", None) is not code:
                obj.__code__ = code
            if fresh is not None and getattr(obj, "__module__", None) == "lstm_course.checks":
                obj = getattr(fresh, getattr(obj, "__name__", name), obj)
                recorded[name] = (obj, getattr(obj, "__code__", None))
            ip.user_ns[name] = obj
        if fresh is not None:  # the reloaded functions are the new originals
            for key, (owner, name, *_) in list(watched.items()):
                if owner is checks:
                    now = getattr(checks, name)
                    watched[key] = (owner, name, now, now, getattr(now, "__code__", None))

    def answer(found):
        return token + ":" + ",".join(dict.fromkeys(found))

    kinds = (types.FunctionType, types.BuiltinFunctionType, types.ModuleType, type)

    def record(names):
        # Functions, classes and modules only: objects (a model, a figure) are the notebook's working state,
        # which later cells, the student's included, rebind as they should.
        for name in names:
            obj = ip.user_ns.get(name)
            if isinstance(obj, kinds):
                recorded[name] = (obj, getattr(obj, "__code__", None))
            else:
                recorded.pop(name, None)
        return answer([])

    def guard():
        found = changes()
        reset()
        return answer(found)

    def probe():
        return answer(changes())

    module = types.ModuleType("_ag_" + token)
    module.record, module.guard, module.probe = record, guard, probe
    sys.modules[module.__name__] = module
