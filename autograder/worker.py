"""Entry point of a grading worker process (started by :class:`autograder.parallel.Worker`).

``python -m autograder.worker --serve`` reads spec files, one path per line, and grades each student in turn
(:func:`autograder.parallel.serve`); ``python -m autograder.worker SPEC.json`` grades one.

Start-up time counts, so the worker hides one slow import: importing nbformat makes jsonschema import the
optional ``rfc3987_syntax``, which compiles some forty grammars (about 2 s) for IRI formats that notebook
validation never uses (jsonschema then skips those formats).
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def main(argv: list[str]) -> int:
    """Serve specs from stdin (``--serve``) or grade the one spec named in ``argv``."""
    if len(argv) != 1:
        print("usage: python -m autograder.worker --serve | SPEC.json", file=sys.stderr)
        return 2
    sys.modules.setdefault("rfc3987_syntax", None)  # type: ignore[arg-type]  # import fails: formats skipped
    from autograder.parallel import die_with_parent, serve, worker_main

    parent = os.environ.get("AUTOGRADER_PARENT_PID")
    if parent:
        die_with_parent(int(parent))
    if argv[0] == "--serve":
        return serve(sys.stdin)
    return worker_main(Path(argv[0]))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
