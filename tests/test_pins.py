"""environment.yml (conda) and pyproject.toml (pip) must pin the same versions."""

import re
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def normalise(requirement: str) -> str:
    return re.sub(r"\s+", "", requirement).replace('"', "'")


def pyproject_pins() -> set[str]:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    pins = list(project["dependencies"])
    for extra in project.get("optional-dependencies", {}).values():
        pins += extra
    return {normalise(p) for p in pins}


def conda_pip_pins() -> set[str]:
    lines = (ROOT / "environment.yml").read_text().splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip() == "- pip:")
    pins = []
    for line in lines[start + 1:]:
        match = re.match(r"^\s+-\s+(.+)$", line)
        if not match:
            break
        pins.append(match.group(1))
    return {normalise(p) for p in pins}


def test_every_pin_is_exact():
    for pin in pyproject_pins():
        assert "==" in pin, f"{pin} is not pinned to an exact version"


def test_environment_yml_matches_pyproject():
    assert conda_pip_pins() == pyproject_pins()


def test_conda_python_is_311():
    assert "- python=3.11" in (ROOT / "environment.yml").read_text()


def test_torch_pinned_to_the_local_cpu_build():
    assert "torch==2.13.0" in pyproject_pins()


def test_the_parallel_make_targets_have_pytest_xdist_pinned():
    makefile = (ROOT / "Makefile").read_text()
    assert "-n $(JOBS)" in makefile, "make unit / nbval no longer run under pytest-xdist: drop the pin?"
    dev = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["optional-dependencies"]["dev"]
    assert any(pin.startswith("pytest-xdist==") for pin in dev)
    assert any(pin.startswith("pytest-xdist==") for pin in conda_pip_pins())
