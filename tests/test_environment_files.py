"""requirements.txt (pip, Colab, CI) and environment.yml (Binder) ask for the same packages and versions."""

from __future__ import annotations

import re
from pathlib import Path

import tomllib
import yaml
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet

from lstm_course.colab import NEVER_INSTALL, REQUIREMENTS

ROOT = Path(__file__).resolve().parent.parent
#: pip name -> conda-forge name, where they differ.
CONDA_NAME = {"torch": "pytorch", "tensorflow-cpu": "tensorflow"}


def pip_requirements() -> list[Requirement]:
    lines = (ROOT / "requirements.txt").read_text().splitlines()
    return [
        Requirement(line)
        for line in (ln.split(" #")[0].strip() for ln in lines)
        if line and not line.startswith(("#", "-"))
    ]


def conda_specs() -> dict[str, tuple[SpecifierSet, str]]:
    """environment.yml's packages: name -> (version specifier, build-string prefix or "")."""
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    specs = {}
    for dep in env["dependencies"]:
        spec, cpu, _ = dep.partition("=cpu")
        name, version = re.match(r"([A-Za-z0-9_.-]+)(.*)", spec).groups()
        if name not in ("python", "pip"):
            specs[name] = (SpecifierSet(version), "cpu" if cpu else "")
    return specs


def test_every_pip_requirement_is_in_environment_yml_with_the_same_versions() -> None:
    conda = conda_specs()
    for req in pip_requirements():
        name = CONDA_NAME.get(req.name, req.name)
        assert name in conda, f"{req.name} is in requirements.txt but {name} is not in environment.yml"
        assert conda[name][0] == req.specifier, (
            f"{req.name}: requirements.txt asks {req.specifier}, environment.yml {conda[name][0]}"
        )


def test_every_conda_package_is_a_pip_requirement() -> None:
    pip_names = {CONDA_NAME.get(r.name, r.name) for r in pip_requirements()}
    extra = set(conda_specs()) - pip_names - {"python", "pip"}
    assert not extra, f"environment.yml has packages requirements.txt lacks: {sorted(extra)}"


def test_binder_uses_cpu_builds_of_tensorflow_and_pytorch() -> None:
    conda = conda_specs()
    assert conda["pytorch"][1] == "cpu" and conda["tensorflow"][1] == "cpu"


def test_ci_pins_the_cpu_torch_wheel() -> None:
    ci = (ROOT / "requirements-ci.txt").read_text().splitlines()
    assert "-r requirements.txt" in ci
    assert any(line.startswith("torch==") for line in ci), "CI must pin torch (an unpinned torch is a CUDA build)"


def test_helper_package_dependencies_are_course_requirements() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pip = {r.name: r.specifier for r in pip_requirements()}
    for dep in map(Requirement, project["dependencies"]):
        assert dep.name in pip and pip[dep.name] == dep.specifier, (
            f"pyproject dependency {dep} not as in requirements.txt"
        )
        assert dep.name not in {"tensorflow", "tensorflow-cpu", "torch"}, "the helper package must not pull TF/torch"


def test_colab_installs_only_course_requirements_and_never_tf_or_torch() -> None:
    pip = {r.name: str(r.specifier) for r in pip_requirements()}
    for requirement in REQUIREMENTS.values():
        req = Requirement(requirement)
        assert req.name in pip and str(req.specifier) == pip[req.name], f"colab.REQUIREMENTS {req} != requirements.txt"
        assert req.name not in {"tensorflow", "tensorflow-cpu", "torch"}
    assert {"tensorflow", "torch"} <= NEVER_INSTALL


def test_binder_postbuild_installs_the_helper_package() -> None:
    post = (ROOT / "postBuild").read_text()
    assert "pip install --no-deps -e ." in post
