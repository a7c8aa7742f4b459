"""Run a student's notebook in a locked-down kernel: bubblewrap namespaces plus resource limits.

The grader (nbgrader, trusted) stays outside; only the Jupyter kernel, which runs the student's code, is
started inside ``bwrap`` (Debian/Ubuntu package ``bubblewrap``):

- its own pid, network, IPC, UTS and cgroup namespaces: no network at all (only a private loopback), it sees
  and can signal only its own processes, and everything it started dies with it;
- a filesystem made of read-only system folders (``/usr``, ``/etc``), the Python installation, the course's
  helper package and ``datasets/``, and two writable folders of its own (its working folder and ``/tmp``).
  ``solutions/``, the gradebook, the notebook with the hidden tests, other students' work and the
  instructor's home are simply not there;
- an unprivileged user: run as root, the grader starts bwrap privileged and the kernel drops to a uid of its
  own (:data:`SANDBOX_UID_BASE` + worker slot) with no capabilities and ``no_new_privs``; run as an ordinary
  user, bwrap also creates a user namespace;
- resource limits (``prlimit``): address space (memory), number of processes and threads (a fork bomb runs
  out of its own allowance), largest file, no core dumps;
- one thread per math library (OpenMP, MKL, OpenBLAS, TensorFlow, torch) so that parallel workers do not fight
  over the cores.

The kernel talks to nbgrader over Unix sockets (ZeroMQ ``ipc`` transport) in a per-submission runtime
folder, which works without a network. Time is limited by nbgrader per cell and by :class:`SandboxExecute`
per notebook; outputs are capped in bytes per cell and per notebook (:func:`cap_outputs`); the kernel guard
(:mod:`autograder.kernelguard`) runs around every tests cell. What this does *not* protect against is listed
in autograder/README.md.
"""

from __future__ import annotations

import contextlib
import json
import math
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import uuid
from dataclasses import dataclass
from pathlib import Path

from jupyter_client.manager import AsyncKernelManager
from jupyter_core.utils import run_sync
from nbformat.notebooknode import NotebookNode
from nbgrader.preprocessors import Execute
from traitlets import Bool, Enum, Integer, List, Unicode, default

REPO_ROOT = Path(__file__).resolve().parent.parent
#: Course folders the kernel may read (the helper package and the data), mounted read-only.
COURSE_DIRS = ("lstm_course", "datasets")
#: Longest path of a Unix socket (``sun_path`` is 108 bytes with its terminating zero).
MAX_SOCKET_PATH = 107
#: First uid of the sandboxed kernels when the grader runs as root (one uid per worker slot).
SANDBOX_UID_BASE = 61000

#: Environment of every sandboxed kernel (besides PATH, HOME, ..., set per sandbox). Nothing else is inherited.
THREAD_ENV = {
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
    "NUMEXPR_NUM_THREADS": "1",
    "TF_NUM_INTRAOP_THREADS": "1",
    "TF_NUM_INTEROP_THREADS": "1",
    "TF_CPP_MIN_LOG_LEVEL": "2",
}
#: Variables passed through from the grader's environment when set (course switches, e.g. fast mode).
PASS_PREFIXES = ("LSTM_COURSE_", "MPLBACKEND")


@dataclass(frozen=True)
class Limits:
    """Per-submission limits.

    Attributes:
        cell_timeout: seconds one cell may run (then it is interrupted and the next cell runs).
        notebook_timeout: seconds the whole notebook may run; a cell gets at most what is left, and cells not
            started when it is used up are not run (their tests score 0).
        memory_mb: address-space limit of every process of the kernel (RLIMIT_AS); TensorFlow + PyTorch
            together peak at about 1.9 GB of it (benchmarks/kernel_memory.py).
        nproc: processes and threads the submission may have at once (RLIMIT_NPROC).
        fsize_mb: largest file it may write (RLIMIT_FSIZE).
        output_kb: output kept per cell (bytes of its JSON: text, data, metadata); the rest is dropped with a
            notice, errors are shortened, never dropped.
        notebook_output_kb: output kept per notebook, counted the same way.
    """

    cell_timeout: int = 300
    notebook_timeout: int = 900
    memory_mb: int = 6144
    nproc: int = 256
    fsize_mb: int = 256
    output_kb: int = 1024
    notebook_output_kb: int = 8192


def _base_bwrap(exe: str) -> list[str]:
    """bwrap and its namespace options for this user (privileged bwrap as root, a user namespace otherwise)."""
    if os.geteuid() == 0:
        return [exe, "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try"]
    return [exe, "--unshare-all"]


def find_bwrap() -> str | None:
    """The bwrap executable: ``$AUTOGRADER_BWRAP`` if set (a bwrap installed elsewhere), else ``bwrap`` on PATH."""
    chosen = os.environ.get("AUTOGRADER_BWRAP")
    if chosen:
        return chosen if os.access(chosen, os.X_OK) and Path(chosen).is_file() else None
    return shutil.which("bwrap")


def bwrap_status() -> tuple[str | None, str]:
    """``(bwrap executable, "")`` if bubblewrap is installed and can create its namespaces here, else
    ``(None, reason)``."""
    exe = find_bwrap()
    if exe is None:
        return None, "bubblewrap (bwrap) is not installed"
    probe = [*_base_bwrap(exe), "--die-with-parent", "--ro-bind", "/", "/", "--proc", "/proc", "true"]
    try:
        run = subprocess.run(probe, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.TimeoutExpired) as exc:
        return None, f"bwrap could not be run ({exc})"
    if run.returncode != 0:
        detail = run.stderr.strip().splitlines()[-1:] or [f"exit code {run.returncode}"]
        return None, f"bwrap cannot create namespaces here ({detail[0]})"
    return exe, ""


def _python_roots() -> list[str]:
    roots = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix)}
    return sorted(r for r in roots if not r.startswith("/usr/"))


def _user_site() -> list[str]:
    """The grader's user site-packages (``pip install --user``) when Python uses it: the kernel, whose home
    is elsewhere, gets it mounted read-only and on its PYTHONPATH."""
    import site

    path = site.getusersitepackages() if site.ENABLE_USER_SITE else ""
    return [os.path.realpath(path)] if path and path in sys.path and os.path.isdir(path) else []


def _with_parents(paths: list[Path], covered: list[Path]) -> list[str]:
    """``--dir`` options (mode 0755) for every ancestor of ``paths`` not inside a ``covered`` mount.

    bwrap would create them itself, but mode 0700: an unprivileged kernel could not walk through them.
    """
    out: list[str] = []
    seen: set[Path] = {Path("/"), Path("/tmp")}  # the root and the sandbox's own /tmp exist already
    for path in paths:
        for parent in reversed(path.parents):
            if parent in seen or any(parent.is_relative_to(c) for c in covered):
                continue
            seen.add(parent)
            out += ["--perms", "0755", "--dir", str(parent)]
    return out


def sandbox_command(
    cmd: list[str],
    scratch: Path,
    runtime: Path,
    limits: Limits,
    bwrap: str | None,
    env: dict[str, str],
    uid: int | None = None,
) -> list[str]:
    """Wrap a kernel command line: ``bwrap ... [setpriv ...] prlimit ... -- <cmd>`` (only prlimit without bwrap).

    Args:
        cmd: the kernel command (``python -m ipykernel_launcher -f <connection file>``).
        scratch: the submission's private folder; ``scratch/work`` is the kernel's working directory,
            ``scratch/tmp`` its ``/tmp``, ``scratch/shm`` its ``/dev/shm``.
        runtime: folder of the connection file and the ZeroMQ sockets.
        limits: resource limits.
        bwrap: the bwrap executable, or None for the unsafe mode.
        env: environment variables the kernel gets (nothing else is inherited under bwrap).
        uid: when the grader is root, the uid the kernel runs as.
    """
    mb = 1024 * 1024
    prlimit = [
        shutil.which("prlimit") or "/usr/bin/prlimit",
        f"--as={limits.memory_mb * mb}",
        f"--fsize={limits.fsize_mb * mb}",
        "--core=0",
    ]
    if bwrap is None:  # no namespaces: at least the kernel dies with the grader (bwrap --die-with-parent)
        setpriv = shutil.which("setpriv") or "/usr/bin/setpriv"
        return [setpriv, "--pdeathsig", "KILL", "--", *prlimit, "--", *cmd]
    prlimit.insert(1, f"--nproc={limits.nproc}")
    work, tmp, shm = scratch / "work", scratch / "tmp", scratch / "shm"
    args = [*_base_bwrap(bwrap), "--die-with-parent", "--new-session", "--hostname", "sandbox"]
    covered = [Path("/usr"), Path("/etc"), Path("/dev"), Path("/proc")]  # read-only mounts: nothing made in them
    for path in ("/usr", "/etc"):
        args += ["--ro-bind", path, path]
    for link in ("bin", "lib", "lib32", "lib64", "sbin"):
        target = Path("/") / link
        if target.is_symlink():
            args += ["--symlink", os.readlink(target), str(target)]
        elif target.is_dir():
            args += ["--ro-bind", str(target), str(target)]
            covered.append(target)
    # /dev/shm (POSIX semaphores and shared memory of multiprocessing, joblib, torch) is a folder of the
    # scratch on disk, so that it counts against the file-size limit rather than the machine's memory.
    args += ["--dev", "/dev", "--bind", str(shm), "/dev/shm", "--proc", "/proc", "--bind", str(tmp), "/tmp"]
    readonly = [Path(r) for r in _python_roots()] + [REPO_ROOT / sub for sub in COURSE_DIRS]
    readonly += [Path(p) for p in _user_site() if not p.startswith("/usr/")]
    writable = [work, runtime]
    args += _with_parents(readonly + writable, covered)
    for path in readonly:
        if path.exists():
            args += ["--ro-bind", str(path), str(path)]
    for path in writable:
        args += ["--bind", str(path), str(path)]
    args += ["--chdir", str(work), "--clearenv"]
    for key, value in env.items():
        args += ["--setenv", key, value]
    drop: list[str] = []
    if uid is not None:
        setpriv = shutil.which("setpriv") or "/usr/bin/setpriv"
        drop = [setpriv, f"--reuid={uid}", f"--regid={uid}", "--clear-groups", "--inh-caps=-all"]
        drop += ["--bounding-set=-all", "--no-new-privs", "--"]
    return [*args, "--", *drop, *prlimit, "--", *cmd]


def kernel_env(scratch: Path, bwrap: str | None) -> dict[str, str]:
    """Environment of a sandboxed kernel."""
    env = dict(THREAD_ENV)
    bin_dirs = [os.path.join(r, "bin") for r in _python_roots()] + ["/usr/local/bin", "/usr/bin", "/bin"]
    home = "/tmp" if bwrap else str(scratch / "tmp")
    env.update(
        PATH=":".join(bin_dirs),
        HOME=home,
        MPLCONFIGDIR=f"{home}/.matplotlib",
        MPLBACKEND="Agg",
        LANG="C.UTF-8",
        PYTHONPATH=os.pathsep.join([str(REPO_ROOT), *_user_site()]),
        PYTHONDONTWRITEBYTECODE="1",
        PYDEVD_DISABLE_FILE_VALIDATION="1",
        NBGRADER_EXECUTION="autograde",
    )
    env.update({k: v for k, v in os.environ.items() if k.startswith(PASS_PREFIXES)})
    return env


class SandboxKernelManager(AsyncKernelManager):
    """A kernel manager that starts the kernel inside :func:`sandbox_command` and talks to it over ipc.

    Interrupts are sent as messages (the kernel runs in its own session, out of reach of a process-group
    signal), which ipykernel turns into a SIGINT to itself.
    """

    scratch = Unicode("", help="the submission's private scratch folder (work/ and tmp/ are made in it)").tag(
        config=True
    )
    runtime = Unicode("", help="folder of the connection file and the ZeroMQ sockets, only this kernel's").tag(
        config=True
    )
    use_bwrap = Bool(True, help="run the kernel inside bubblewrap").tag(config=True)
    uid = Integer(-1, help="uid of the kernel when the grader runs as root (-1: SANDBOX_UID_BASE)").tag(config=True)
    memory_mb = Integer(Limits.memory_mb).tag(config=True)
    nproc = Integer(Limits.nproc).tag(config=True)
    fsize_mb = Integer(Limits.fsize_mb).tag(config=True)

    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        if not self.scratch or not self.runtime:
            raise ValueError("SandboxKernelManager needs its own scratch and runtime folders")
        # Never let jupyter_client pick the connection file: its default is a file in the shared /tmp. The
        # ZeroMQ sockets are <runtime>/k-ipc-<n>: Unix socket paths must fit in 107 bytes.
        runtime = Path(self.runtime).resolve()
        if len(str(runtime / "k-ipc-00000")) > MAX_SOCKET_PATH:
            raise ValueError(
                f"the kernel's runtime folder {runtime} is too long a path for its sockets "
                f"(at most {MAX_SOCKET_PATH - 12} characters); set TMPDIR to a shorter folder"
            )
        runtime.mkdir(parents=True, exist_ok=True)
        self.connection_file = str(runtime / "k.json")

    @default("transport")
    def _default_transport(self) -> str:
        return "ipc"

    def format_kernel_cmd(self, extra_arguments: list[str] | None = None) -> list[str]:
        cmd = super().format_kernel_cmd(extra_arguments)
        if cmd and "python" in os.path.basename(cmd[0]):
            cmd[0] = sys.executable  # the one interpreter whose installation is mounted in the sandbox
        scratch = Path(self.scratch).resolve()
        runtime = Path(self.runtime).resolve()
        if Path(self.connection_file).resolve().parent != runtime:
            raise RuntimeError(f"connection file {self.connection_file} is not in the kernel's runtime folder")
        for sub in ("work", "tmp", "shm"):
            (scratch / sub).mkdir(parents=True, exist_ok=True)
        _copy_font_cache(scratch / "tmp" / ".matplotlib")
        bwrap = find_bwrap() if self.use_bwrap else None
        if self.use_bwrap and bwrap is None:
            raise RuntimeError("bubblewrap (bwrap) is not installed")
        limits = Limits(memory_mb=self.memory_mb, nproc=self.nproc, fsize_mb=self.fsize_mb)
        env = kernel_env(scratch, bwrap)
        uid = None
        if bwrap is not None:
            self.kernel_spec.interrupt_mode = "message"
            if os.geteuid() == 0:
                uid = self.uid if self.uid >= 0 else SANDBOX_UID_BASE
                clear_uid(uid)  # the previous kernel of this slot may still be being torn down
                for folder in (scratch / "work", scratch / "tmp", scratch / "shm", runtime):
                    chown_tree(folder, uid)  # refuses anything outside the student's marked scratch folder
        else:
            self._launch_args.setdefault("env", {}).update(env)  # inherits the rest: unsafe mode
        return sandbox_command(cmd, scratch, runtime, limits, bwrap, env, uid)


def _copy_font_cache(dest: Path) -> None:
    """Give the kernel a copy of the grader's matplotlib font list: else every kernel rebuilds it (~0.5 s)."""
    base = os.environ.get("MPLCONFIGDIR") or os.path.join(
        os.environ.get("XDG_CACHE_HOME") or os.path.expanduser("~/.cache"), "matplotlib"
    )
    for path in Path(base).glob("fontlist-v*.json"):
        if path.is_file() and not path.is_symlink():
            dest.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(path, dest / path.name)


def _lock_folder() -> Path:
    """Root-only folder of the sandbox-uid locks: ``/run/autograder``, else one in the temporary folder."""
    for folder in (Path("/run/autograder"), Path(tempfile.gettempdir()) / f"autograder-uids-{os.geteuid()}"):
        try:
            folder.mkdir(mode=0o700, exist_ok=True)
            info = os.lstat(folder)
        except OSError:
            continue
        if stat.S_ISDIR(info.st_mode) and info.st_uid == os.geteuid() and not info.st_mode & 0o077:
            return folder
    raise RuntimeError("no private folder for the sandbox-uid locks (/run/autograder or the temporary folder)")


class UidLease:
    """A sandbox uid that this process alone uses, machine-wide, until :meth:`release` or the process ends.

    Kernels run as root drop to a uid of their own; two grading runs on one machine (two courses, two test
    sessions) must never share one, because :func:`clear_uid` ends whatever still runs under it and the
    process limit counts all of its processes. Held with an flock on ``<lock folder>/<uid>.lock``: the
    system releases it when the process dies, even by ``kill -9``.

    Raises:
        RuntimeError: all of ``count`` uids from ``first`` are taken (or have accounts).
    """

    def __init__(self, first: int = SANDBOX_UID_BASE, count: int = 1024) -> None:
        import fcntl
        import pwd

        folder = _lock_folder()
        for uid in range(first, first + count):
            try:
                pwd.getpwuid(uid)
                continue  # an account: never a sandbox uid
            except KeyError:
                pass
            fd = os.open(folder / f"{uid}.lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                continue
            self.uid, self._fd = uid, fd
            return
        raise RuntimeError(f"all sandbox uids {first}..{first + count - 1} are in use by other grading runs")

    def release(self) -> None:
        """Give the uid back (closing the lock file releases the flock)."""
        if self._fd >= 0:
            os.close(self._fd)
            self._fd = -1


def _pids_of(uid: int) -> list[int]:
    """Processes whose real uid is ``uid``."""
    pids = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/status", encoding="ascii", errors="replace") as fh:
                line = next(ln for ln in fh if ln.startswith("Uid:"))
        except (OSError, StopIteration):
            continue  # ended meanwhile
        if int(line.split()[1]) == uid:
            pids.append(int(entry.name))
    return pids


def clear_uid(uid: int, wait: float = 5.0) -> None:
    """Make sure no process of the sandbox uid ``uid`` is left before a new kernel gets it.

    The processes of the previous submission of a worker slot (a fork bomb's hundreds) may take a moment to
    end after its sandbox is killed; they would count against the next one's process limit. Waits up to
    ``wait`` seconds, then kills what is left. Only for sandbox uids: refuses a uid that has an account.

    Raises:
        RuntimeError: ``uid`` belongs to an account, or its processes cannot be ended.
    """
    import pwd

    try:
        owner = pwd.getpwuid(uid).pw_name
    except KeyError:
        owner = None
    if owner is not None or uid < SANDBOX_UID_BASE:
        raise RuntimeError(f"uid {uid} belongs to the account {owner!r}: not a sandbox uid; choose another base")
    deadline = time.monotonic() + wait
    while pids := _pids_of(uid):
        if time.monotonic() > deadline + wait:
            raise RuntimeError(f"processes {pids[:5]} of sandbox uid {uid} do not end")
        if time.monotonic() > deadline:
            for pid in pids:
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        time.sleep(0.05)


#: Folders that are never a submission's own, whatever a misconfiguration says; no scratch folder may be one of
#: them, contain one of them, or sit directly in one of them.
_SHARED = {
    Path(p) for p in ("/", "/tmp", "/var/tmp", "/dev/shm", "/root", "/home", "/usr", "/etc", "/var", "/work", "/opt")
}
#: File the grader writes at the top of a student's scratch folder; :func:`chown_tree` changes owners only
#: below a folder that holds it.
SCRATCH_MARKER = ".autograder-scratch"


def make_scratch(path: Path) -> Path:
    """Create a student's scratch folder and mark it as one (see :func:`chown_tree`); returns it resolved.

    Raises:
        RuntimeError: ``path`` is, holds or sits directly in a shared folder (``/tmp/x`` is refused: scratch
            lives in a dedicated folder such as ``<course>/.work/<assignment>/<student>``).
    """
    path = Path(path).resolve()
    _refuse_shared(path)  # before anything is created
    path.mkdir(parents=True, exist_ok=True)
    _refuse_shared(path.resolve())  # a symbolic link made meanwhile
    (path / SCRATCH_MARKER).write_text("scratch of one graded submission; removed after grading\n", encoding="utf-8")
    return path


def _refuse_shared(root: Path) -> None:
    protected = {*_SHARED, REPO_ROOT, Path.home().resolve(), *(Path(r) for r in _python_roots())}
    if len(root.parts) < 4 or root.parent in _SHARED or any(p.is_relative_to(root) for p in protected):
        raise RuntimeError(f"refusing to use {root} as a scratch folder: it is or holds a shared folder")


def scratch_root(path: Path) -> Path:
    """The marked scratch folder (:func:`make_scratch`) that ``path`` is in.

    Raises:
        RuntimeError: ``path`` is in no marked scratch folder, or the one it is in is not safe to use.
    """
    path = Path(path).resolve()
    for folder in (path, *path.parents):
        marker = folder / SCRATCH_MARKER
        if marker.is_file() and not marker.is_symlink():
            _refuse_shared(folder)
            return folder
    raise RuntimeError(f"refusing to change the owner of {path}: it is not in a grading scratch folder")


def chown_tree(path: Path, uid: int) -> None:
    """Give ``path`` and everything below it to ``uid``, never following a symbolic link.

    Refuses (RuntimeError) unless ``path`` lies inside a scratch folder made by :func:`make_scratch`, so that
    no configuration mistake can change the owner of ``/tmp``, the course or anything else shared.
    """
    path = Path(path).resolve()
    scratch_root(path)  # raises if path is not inside a marked scratch folder
    os.chown(path, uid, uid, follow_symlinks=False)
    if path.is_symlink() or not path.is_dir():
        return
    for folder, dirs, files in os.walk(path, followlinks=False):
        for name in dirs + files:
            os.chown(os.path.join(folder, name), uid, uid, follow_symlinks=False)


#: Characters of an error's message and of each of its traceback lines kept when an error is over ERROR_MAX.
ERROR_KEEP = 2000
#: Bytes an error output may take before it is shortened (a long traceback of the course's checks is fine).
ERROR_MAX = 64 * 1024


def output_size(output: dict) -> int:
    """Bytes an output takes in the notebook (its JSON: text, data, metadata, traceback)."""
    return len(json.dumps(output, default=str))


def shrink_error(output: dict) -> dict:
    """An error output cut to :data:`ERROR_KEEP` characters of message and of at most 20 traceback lines
    (an error is never dropped: it is what makes a tests cell score 0)."""
    tb = [str(line)[:ERROR_KEEP] for line in output.get("traceback", [])]
    if len(tb) > 20:
        tb = [*tb[:10], f"[grader: {len(tb) - 20} traceback lines dropped]", *tb[-10:]]
    evalue = str(output.get("evalue", ""))
    if len(evalue) > ERROR_KEEP:
        evalue = evalue[:ERROR_KEEP] + f" [grader: {len(evalue) - ERROR_KEEP} characters dropped]"
    return NotebookNode(output_type="error", ename=str(output.get("ename", "Error"))[:200], evalue=evalue, traceback=tb)


def cap_outputs(outputs: list, cell_limit: int, notebook_left: int) -> tuple[list, int, bool]:
    """Outputs of one cell within ``cell_limit`` bytes and the ``notebook_left`` bytes the notebook has left.

    Outputs over the cap are dropped (one notice says so); errors are kept, shrunk (:func:`shrink_error`).

    Returns:
        (the outputs kept, bytes they take, whether anything was cut).
    """
    kept, used, cut = [], 0, False
    limit = min(cell_limit, max(0, notebook_left))
    for out in outputs:
        size = output_size(out)
        if out.get("output_type") == "error":
            if size > ERROR_MAX:
                out, cut = shrink_error(out), True
                size = output_size(out)
            kept.append(out)
            used += size
        elif used + size <= limit:
            kept.append(out)
            used += size
        else:
            cut = True
    if cut:
        note = f"[grader: output beyond {cell_limit // 1024} KiB per cell / the notebook's cap dropped]\n"
        kept.append(NotebookNode(output_type="stream", name="stdout", text=note))
    return kept, used, cut


def bound_names(source: str) -> list[str]:
    """Names a cell binds at its top level (functions, classes, imports, assignments); [] if it does not parse."""
    import ast

    try:
        tree = ast.parse("\n".join("" if ln.lstrip().startswith(("%", "!")) else ln for ln in source.splitlines()))
    except SyntaxError:
        return []
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            names.append(node.name)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            names += [(a.asname or a.name).split(".")[0] for a in node.names if a.name != "*"]
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            names += [n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)]
    return list(dict.fromkeys(names))


def cell_digest(source: str) -> str:
    """sha256 of a cell's code, trailing spaces and blank lines ignored."""
    import hashlib

    text = "\n".join(line.rstrip() for line in source.strip().splitlines())
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def course_cell_digests(notebook: Path) -> list[str]:
    """Digests of the ordinary code cells (no nbgrader metadata) of a source notebook: the course's own code,
    whose definitions the guard records like those of locked cells when a submission runs them unchanged."""
    import nbformat

    nb = nbformat.read(notebook, as_version=4)
    return [cell_digest(c.source) for c in nb.cells if c.cell_type == "code" and not c.metadata.get("nbgrader")]


class SandboxExecute(Execute):
    """nbgrader's Execute with the kernel in the sandbox, a per-notebook time budget, output caps in bytes
    (per cell and per notebook) and the kernel guard of :mod:`autograder.kernelguard` around every tests cell:
    before it, what changed is reported and put back (IPython hooks, checks re-imported fresh, the course's
    own names rebound); after it, what the tests cell's run changed is reported. A tests cell whose kernel
    does not answer the guard is not run (it scores 0).

    What it observed is written as JSON to ``report_path``.
    """

    enabled = Bool(True).tag(config=True)
    # nbclient waits this long after a cell's reply for the kernel to report idle; its 4 s made a submission at
    # its process limit (a fork bomb) an error instead of graded when the machine was busy. Costs nothing
    # when the kernel is responsive.
    iopub_timeout = Integer(30, help="seconds to wait for the kernel's last output after a cell").tag(config=True)
    notebook_timeout = Integer(Limits.notebook_timeout, help="seconds for the whole notebook").tag(config=True)
    output_kb = Integer(Limits.output_kb, help="output kept per cell (KiB)").tag(config=True)
    notebook_output_kb = Integer(Limits.notebook_output_kb, help="output kept per notebook (KiB)").tag(config=True)
    report_path = Unicode("", help="where to write what was observed (JSON)").tag(config=True)
    course_cells = List(Unicode(), help="sha256 of the course's ordinary code cells (see course_cell_digests)").tag(
        config=True
    )
    # The sandbox is thrown away after the notebook: no need to wait for a graceful kernel shutdown.
    shutdown_kernel = Enum(["graceful", "immediate"], default_value="immediate").tag(config=True)

    def __init__(self, *args, **kwargs):
        kwargs["kernel_manager_class"] = SandboxKernelManager
        super().__init__(*args, **kwargs)
        self.timeout_func = self._cell_timeout
        self._deadline = float("inf")
        self._out_bytes: dict[int, int] = {}
        self._nb_bytes = 0
        self._report: dict = {
            "probes": {},
            "guarded": [],
            "truncated_cells": [],
            "notebook_timeout": False,
            "not_run": [],
        }
        self._token = uuid.uuid4().hex

    def _cell_timeout(self, cell: NotebookNode) -> int:
        # Rounded up: a cell stopped by this timeout ends at or after the notebook's deadline, so no cell runs
        # in the fraction of a second a rounded-down timeout would leave (the next cell is refused instead).
        left = self._deadline - time.monotonic()
        return max(1, math.ceil(min(self.timeout, left)))

    def preprocess(self, nb, resources=None, km=None):
        self._deadline = time.monotonic() + self.notebook_timeout
        try:
            return super().preprocess(nb, resources, km)
        finally:
            if self.report_path:
                Path(self.report_path).write_text(json.dumps(self._report, indent=1), encoding="utf-8")

    async def async_start_new_kernel_client(self):
        from autograder.integrity import snapshot_code

        kc = await super().async_start_new_kernel_client()
        msg_id = kc.execute(snapshot_code(self._token), silent=True, store_history=False)
        reply = await self._reply(msg_id, 60)
        if not reply or reply["content"].get("status") != "ok":
            self._report["snapshot_error"] = str(reply and reply["content"].get("evalue"))
        else:
            self._report["snapshot"] = True
        return kc

    async def _reply(self, msg_id: str, timeout: float) -> dict | None:
        """The shell reply to ``msg_id`` within ``timeout`` seconds, else None."""
        end = time.monotonic() + timeout
        while time.monotonic() < end:
            try:
                msg = await self.kc.get_shell_msg(timeout=max(0.1, end - time.monotonic()))
            except Exception:  # queue.Empty on timeout, or a dead kernel's closed channel
                return None
            if msg["parent_header"].get("msg_id") == msg_id:
                return msg
        return None

    async def _ask(self, call: str) -> str | None:
        """Call ``call`` (``guard()``, ``probe()``, ``record([...])``) of the kernel guard; returns what changed
        ('' for nothing), a description of tampering, or None when the kernel did not answer in time."""
        from autograder.integrity import guard_expression, read_probe

        expr = guard_expression(self._token, call)
        msg_id = self.kc.execute("", silent=True, store_history=False, user_expressions={"probe": expr})
        wait = max(1.0, min(10.0, self._deadline - time.monotonic()))
        reply = await self._reply(msg_id, wait)
        if reply is None:
            self._report["probe_timeouts"] = self._report.get("probe_timeouts", 0) + 1
            return None
        return read_probe(reply, self._token)

    def _refuse(self, cell: NotebookNode, ename: str, message: str) -> NotebookNode:
        cell.outputs = [NotebookNode(output_type="error", ename=ename, evalue=message, traceback=[message])]
        return cell

    async def async_execute_cell(self, cell, cell_index, execution_count=None, store_history=True):
        if cell.cell_type != "code" or not cell.source.strip():
            return await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        if time.monotonic() >= self._deadline:
            self._report["notebook_timeout"] = True
            self._report["not_run"].append(cell_index)
            message = f"the notebook's time limit ({self.notebook_timeout} s) was used up before this cell ran"
            return self._refuse(cell, "NotebookTimeoutError", message)
        meta = cell.get("metadata", {}).get("nbgrader", {})
        tests = bool(meta.get("grade")) and not meta.get("solution")
        grade_id = meta.get("grade_id", str(cell_index))
        guarded = tests and self.kc is not None and self._report.get("snapshot")
        if guarded:
            found = await self._ask("guard()")
            if found is None or found.startswith(("probe ", "integrity ")):
                self._report["probes"][grade_id] = found or "the kernel did not answer the guard"
                message = "the grader could not check the kernel before this tests cell, so it was not run"
                return self._refuse(cell, "GraderGuardError", message)
            self._report["guarded"].append(grade_id)
            if found:
                self._report["probes"][grade_id] = found
        cell = await super().async_execute_cell(cell, cell_index, execution_count, store_history)
        self._cap(cell, cell_index)
        own = tests or (meta.get("locked") and not meta.get("solution"))
        own = own or (not meta and cell_digest(cell.source) in set(self.course_cells))  # the course's own code
        if own and self.kc is not None and self._report.get("snapshot"):
            names = bound_names(cell.source)
            if names:  # what the course's own cell defined (first: it may redefine a name on purpose)
                await self._ask(f"record({names!r})")
        if guarded:
            found = await self._ask("probe()")
            if found:
                self._report["probes"][grade_id + " (during the tests)"] = found
        return cell

    def _cap(self, cell: NotebookNode, cell_index: int) -> None:
        """Enforce the byte caps on what the cell kept (also outputs replaced through display ids)."""
        limit = self.output_kb * 1024
        left = self.notebook_output_kb * 1024 - self._nb_bytes
        kept, used, cut = cap_outputs(list(cell.get("outputs", [])), limit, left)
        cell.outputs = kept
        self._nb_bytes += used
        if cut and cell_index not in self._report["truncated_cells"]:
            self._report["truncated_cells"].append(cell_index)

    def output(self, outs, msg, display_id, cell_index):
        content = msg.get("content", {})
        size = len(json.dumps(content, default=str))
        used = self._out_bytes.get(cell_index, 0)
        self._out_bytes[cell_index] = used + size
        limit = min(self.output_kb * 1024, self.notebook_output_kb * 1024 - self._nb_bytes)
        if msg.get("msg_type") == "error":
            if size > ERROR_MAX:
                small = shrink_error(content)
                msg = {**msg, "content": {k: small[k] for k in ("ename", "evalue", "traceback")}}
            return super().output(outs, msg, display_id, cell_index)
        if used + size > limit:
            if cell_index not in self._report["truncated_cells"]:
                self._report["truncated_cells"].append(cell_index)
            return None  # the notice is added by _cap
        return super().output(outs, msg, display_id, cell_index)

    # nbclient builds the synchronous methods nbconvert's ExecutePreprocessor calls with run_sync around the
    # async ones *when NotebookClient is defined*: without these two lines the overrides above never run.
    execute_cell = run_sync(async_execute_cell)
    start_new_kernel_client = run_sync(async_start_new_kernel_client)
