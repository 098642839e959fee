"""The package builds a wheel and an sdist, and the wheel installs into a fresh venv with a working
`cloudwarden --version` (offline: no build isolation, no index; dependencies come from this venv)."""

from __future__ import annotations

import subprocess
import sys
import sysconfig
import tarfile
import venv
from pathlib import Path

import pytest

from cloudwarden import __version__

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def dists(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("dist")
    # sdist first, then the wheel built from the unpacked sdist (what `python -m build` does).
    subprocess.run([sys.executable, "-m", "build", "--no-isolation", "--sdist", "--wheel", "--outdir", str(out),
                    str(ROOT)], check=True, capture_output=True, text=True, timeout=600)
    return out


def test_sdist_carries_the_sources_and_data(dists: Path) -> None:
    (sdist,) = dists.glob("cloudwarden-*.tar.gz")
    with tarfile.open(sdist) as tar:
        names = tar.getnames()
    assert any(n.endswith("src/cloudwarden/cli/__init__.py") for n in names)
    assert any(n.endswith("src/cloudwarden/data/catalog.yaml") for n in names)


def test_wheel_installs_in_a_fresh_venv_and_runs(dists: Path, tmp_path: Path) -> None:
    (wheel,) = dists.glob("cloudwarden-*.whl")
    env_dir = tmp_path / "fresh"
    venv.EnvBuilder(with_pip=True).create(env_dir)  # ensurepip: pip from the interpreter, offline
    python = env_dir / "bin" / "python"
    fresh_site = Path(subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                                     check=True, capture_output=True, text=True).stdout.strip())
    # Nothing of this checkout on the path (PYTHONPATH would make pip think it is installed already).
    env = {"PATH": f"{env_dir / 'bin'}:/usr/bin:/bin", "HOME": str(tmp_path)}
    # No network: the wheel goes in without dependencies and without an index ...
    subprocess.run([str(python), "-m", "pip", "install", "--no-index", "--no-deps", "--quiet", str(wheel)],
                   check=True, capture_output=True, text=True, timeout=300, env=env)
    # ... and the fresh venv finds the dependencies after its own site-packages (a .pth adds a path,
    # not the editable install of this checkout, whose own .pth is not processed there).
    (fresh_site / "zz_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    where = subprocess.run([str(python), "-c", "import cloudwarden; print(cloudwarden.__file__)"],
                           check=True, capture_output=True, text=True, cwd=tmp_path, env=env)
    assert where.stdout.strip().startswith(str(fresh_site))
    run = subprocess.run(["cloudwarden", "--version"], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert run.returncode == 0, run.stderr
    assert run.stdout.strip() == f"cloudwarden {__version__}"
    helped = subprocess.run(["cloudwarden", "checks", "--help"], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert helped.returncode == 0, helped.stderr


def test_wheel_requires_no_test_or_demo_package_and_bounds_each_dependency(dists: Path) -> None:
    import re
    import zipfile

    (wheel,) = dists.glob("cloudwarden-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        (metadata,) = [n for n in archive.namelist() if n.endswith(".dist-info/METADATA")]
        lines = archive.read(metadata).decode().splitlines()
    requires = [line.split(":", 1)[1].strip() for line in lines if line.startswith("Requires-Dist:")]
    unconditional = [r for r in requires if "extra ==" not in r]
    names = {re.split(r"[\s<>=!~\[;]", r, maxsplit=1)[0].lower() for r in unconditional}
    assert names and not names & {"moto", "pytest", "pytest-xdist", "hypothesis", "playwright", "ruff", "mypy",
                                  "flask", "werkzeug", "pyspark", "policy-sentry", "cfn-lint"}, names
    for requirement in unconditional:
        assert ">=" in requirement and "<" in requirement.replace("<=", ""), requirement
    demo = [r for r in requires if "extra == \"demo\"" in r]
    assert any(r.lower().startswith("moto") for r in demo), requires
