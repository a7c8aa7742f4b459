"""The sandbox may change owners and mount folders read-write only inside a student's own scratch folder.

An earlier version of the grader changed the owner of the whole shared ``/tmp`` (the kernel's connection
file was in it). These tests pin the guards that make that impossible: :func:`autograder.sandbox.make_scratch`
refuses shared folders, :func:`autograder.sandbox.chown_tree` refuses anything outside a marked scratch folder
and never follows a symbolic link, and the bubblewrap command binds read-write only the scratch's own
folders. No test here changes an owner: ``os.chown`` is recorded, not called.
"""

from __future__ import annotations

import os
import shutil
import sys
import tempfile
from pathlib import Path

import pytest

from autograder import sandbox
from autograder.sandbox import SCRATCH_MARKER, Limits, chown_tree, make_scratch, sandbox_command, scratch_root


@pytest.fixture
def chowned(monkeypatch) -> list[str]:
    """Paths ``os.chown`` was asked to change (it changes nothing), each checked not to follow links."""
    calls: list[str] = []

    def record(path, uid, gid, *, follow_symlinks=True):
        assert follow_symlinks is False, f"chown of {path} would follow a symbolic link"
        calls.append(str(path))

    monkeypatch.setattr(sandbox.os, "chown", record)
    return calls


@pytest.mark.parametrize(
    "folder",
    ["/", "/tmp", "/tmp/grading-scratch", "/var/tmp/x", "/dev/shm/x", "/root", "/work", "/work/main", "/home/x"],
)
def test_shared_folders_and_folders_directly_in_them_are_never_scratch(folder: str) -> None:
    with pytest.raises(RuntimeError, match="refusing"):
        make_scratch(Path(folder))
    assert not Path(folder, SCRATCH_MARKER).exists()


def test_the_course_and_the_python_installation_are_never_scratch() -> None:
    for folder in (sandbox.REPO_ROOT, sandbox.REPO_ROOT.parent, Path(os.path.realpath(sys.prefix)).parent):
        with pytest.raises(RuntimeError, match="refusing"):
            make_scratch(folder)


def test_chown_refuses_everything_outside_a_marked_scratch_folder(tmp_path: Path, chowned: list[str]) -> None:
    unmarked = tmp_path / "course" / ".work" / "a" / "student"
    unmarked.mkdir(parents=True)
    for target in (Path("/tmp"), Path("/"), sandbox.REPO_ROOT, tmp_path, unmarked):
        with pytest.raises(RuntimeError, match="refusing"):
            chown_tree(target, 61000)
    assert chowned == []


def test_chown_stays_inside_the_scratch_folder_and_does_not_follow_links(tmp_path: Path, chowned) -> None:
    outside = tmp_path / "outside"
    (outside / "deep").mkdir(parents=True)
    (outside / "deep" / "secret.txt").write_text("not the student's")
    scratch = make_scratch(tmp_path / "course" / ".work" / "01_activations" / "alice")
    work = scratch / "box" / "work"
    (work / "sub").mkdir(parents=True)
    (work / "sub" / "answer.txt").write_text("42")
    (work / "link-to-outside").symlink_to(outside, target_is_directory=True)
    (work / "link-to-file").symlink_to(outside / "deep" / "secret.txt")
    chown_tree(work, 61000)
    assert all(Path(p).is_relative_to(work) for p in chowned), chowned
    assert set(chowned) == {str(work), *(str(p) for p in work.rglob("*"))}  # links themselves, not targets
    # A scratch subfolder replaced by a link to elsewhere resolves outside the scratch: refused.
    (scratch / "box" / "tmp").symlink_to(outside, target_is_directory=True)
    with pytest.raises(RuntimeError, match="not in a grading scratch folder"):
        chown_tree(scratch / "box" / "tmp", 61000)
    assert scratch_root(work / "sub") == scratch


def test_a_marker_file_that_is_a_symbolic_link_does_not_count(tmp_path: Path, chowned) -> None:
    real = make_scratch(tmp_path / "a" / "real")
    fake = tmp_path / "a" / "fake"
    fake.mkdir()
    (fake / SCRATCH_MARKER).symlink_to(real / SCRATCH_MARKER)
    with pytest.raises(RuntimeError, match="not in a grading scratch folder"):
        chown_tree(fake, 61000)
    assert chowned == []


def test_the_sandbox_binds_read_write_only_the_scratch_folders(tmp_path: Path) -> None:
    scratch = make_scratch(tmp_path / "course" / ".work" / "01_activations" / "bob")
    box, runtime = scratch / "box", scratch / "runtime"
    cmd = sandbox_command(["python", "-m", "ipykernel_launcher"], box, runtime, Limits(), "/usr/bin/bwrap", {}, 61001)
    writable = [cmd[i + 1] for i, arg in enumerate(cmd) if arg == "--bind"]
    assert writable and all(Path(p).is_relative_to(scratch) for p in writable), writable
    readonly = [cmd[i + 1] for i, arg in enumerate(cmd) if arg == "--ro-bind"]
    assert str(sandbox.REPO_ROOT) not in readonly and not any("solutions" in p for p in readonly)
    assert "--unshare-net" in cmd or "--unshare-all" in cmd
    kernel = cmd[cmd.index("--") + 1 :]
    if os.geteuid() == 0:  # privileged bwrap: the kernel drops to its own uid before anything else runs
        assert kernel[0].endswith("setpriv") and "--reuid=61001" in kernel and "--no-new-privs" in kernel
    assert any(arg.startswith("--nproc=") for arg in kernel) and any(arg.startswith("--as=") for arg in kernel)


def test_the_kernel_connection_file_is_in_its_own_runtime_folder() -> None:
    sockets = Path(tempfile.mkdtemp(prefix="ag-test-"))  # short: Unix socket paths have at most 107 bytes
    try:
        runtime = make_scratch(sockets / "0")
        manager = sandbox.SandboxKernelManager(scratch=str(sockets / "box"), runtime=str(runtime))
        assert Path(manager.connection_file).parent == runtime
        assert str(Path(manager.ip)).startswith(str(runtime))  # the ZeroMQ sockets too
    finally:
        shutil.rmtree(sockets)
    with pytest.raises(ValueError, match="own scratch and runtime"):
        sandbox.SandboxKernelManager()


def test_a_runtime_folder_too_long_for_sockets_is_a_clear_error(tmp_path: Path) -> None:
    deep = tmp_path / ("x" * 100)
    with pytest.raises(ValueError, match="too long a path for its sockets"):
        sandbox.SandboxKernelManager(scratch=str(tmp_path / "box"), runtime=str(deep))
    assert not deep.exists()


def test_only_sandbox_uids_without_an_account_are_ever_cleared() -> None:
    import pwd

    for uid in (0, os.getuid(), pwd.getpwnam("nobody").pw_uid):
        with pytest.raises(RuntimeError, match="not a sandbox uid"):
            sandbox.clear_uid(uid)


def test_each_sandbox_uid_is_leased_to_one_grading_slot_at_a_time() -> None:
    first, second = sandbox.UidLease(), sandbox.UidLease()
    try:
        assert first.uid != second.uid and min(first.uid, second.uid) >= sandbox.SANDBOX_UID_BASE
        taken = first.uid
        first.release()
        third = sandbox.UidLease()
        assert third.uid <= taken, "a released uid is free again (the lowest free one is taken)"
        third.release()
    finally:
        first.release()
        second.release()


# -- issue 11: the kernel guard and the output caps ------------------------------------------------------------


def test_the_guard_s_execute_methods_are_the_ones_nbconvert_calls() -> None:
    """nbconvert's ExecutePreprocessor calls the synchronous ``execute_cell`` / ``start_new_kernel_client``,
    which nbclient builds around its own async methods when it is defined: SandboxExecute must rebuild them,
    or its guard, probes and time budget never run (as they did not, unnoticed, before issue 11)."""
    from nbclient import NotebookClient

    from autograder.sandbox import SandboxExecute

    assert SandboxExecute.execute_cell is not NotebookClient.execute_cell
    assert SandboxExecute.start_new_kernel_client is not NotebookClient.start_new_kernel_client


@pytest.fixture
def kernel():
    """A plain (unsandboxed) IPython kernel with the grader's guard installed; yields (run, ask)."""
    import uuid

    from jupyter_client.manager import start_new_kernel

    from autograder.integrity import guard_expression, read_probe, snapshot_code

    km, kc = start_new_kernel(kernel_name="python3")
    token = uuid.uuid4().hex

    def run(code: str, **kwargs) -> dict:
        return kc.execute_interactive(code, timeout=60, output_hook=lambda msg: None, **kwargs)["content"]

    def ask(call: str) -> str:
        reply = kc.execute_interactive(
            "", silent=True, user_expressions={"probe": guard_expression(token, call)}, timeout=60
        )
        return read_probe(reply, token)

    assert run(snapshot_code(token), silent=True)["status"] == "ok"
    try:
        yield run, ask
    finally:
        kc.stop_channels()
        km.shutdown_kernel(now=True)


ATTACKS = """
shell = exit._ip
shell.input_transformers_post.append(lambda lines: ["pass\\n"] if "check_" in "".join(lines) else lines)
shell.events.register("post_run_cell", lambda result: setattr(result, "error_in_exec", None))
shell.set_custom_exc((BaseException,), lambda *args, **kwargs: None)
shell.showtraceback = lambda *args, **kwargs: None
vars()["check_close"] = lambda *args, **kwargs: None
import lstm_course.checks as lc
vars(lc)["_fail"] = lambda message, hint=None: None
np.testing.assert_allclose = print
"""


def test_the_kernel_guard_reports_and_undoes_every_hook_and_rebinding(kernel) -> None:
    run, ask = kernel
    run("import numpy as np\nfrom lstm_course.checks import check_close")
    assert ask("record(['np', 'check_close'])") == ""
    assert ask("guard()") == "", "nothing changed yet"
    assert run("check_close(1.0, 2.0)")["status"] == "error"
    run(ATTACKS)
    assert run("check_close(1.0, 2.0)")["status"] == "ok", "the attacks work when nothing undoes them"
    found = ask("guard()")
    for what in ("IPython input_transformers_post", "IPython event post_run_cell", "custom exception handler",
                 "ipython.showtraceback", "notebook name check_close", "lstm_course.checks._fail",
                 "numpy.testing.assert_allclose"):  # fmt: skip
        assert what in found, found
    assert run("check_close(1.0, 2.0)")["status"] == "error", "after the guard the real check runs and fails"
    assert run("np.testing.assert_allclose(1.0, 2.0)")["status"] == "error"
    assert ask("guard()") == "", "everything was put back"


def test_outputs_are_capped_in_bytes_and_errors_are_shortened_not_dropped() -> None:
    from nbformat.v4 import new_output

    from autograder.sandbox import ERROR_MAX, cap_outputs, output_size

    flood = [new_output("display_data", data={"text/plain": "x"}, metadata={"junk": "y" * 5_000_000})]
    flood += [new_output("error", ename="ValueError", evalue="x" * 5_000_000, traceback=["x" * 5_000_000])]
    kept, used, cut = cap_outputs(flood, 1024 * 1024, 8 * 1024 * 1024)
    assert cut and sum(output_size(o) for o in kept) < ERROR_MAX * 2 and used < ERROR_MAX * 2
    assert [o["output_type"] for o in kept] == ["error", "stream"], "the error stays: it makes the tests fail"
    small = [new_output("stream", name="stdout", text="fine\n")]
    assert cap_outputs(small, 1024, 0)[2], "no bytes left for the notebook: cut"
    assert cap_outputs(small, 1024, 10_000)[0] == small
