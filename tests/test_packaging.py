"""What an install carries: every package, the shipped files as package data, the BLAS setting
before NumPy on every way in, and the user's folders."""

import os
import subprocess
import sys
import textwrap
import tomllib
import zipfile
from importlib import resources
from pathlib import Path

import pytest
from setuptools import find_packages

from cnn import paths

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_every_package_in_the_tree_is_installed():
    find = PYPROJECT["tool"]["setuptools"]["packages"]["find"]
    found = set(find_packages(str(ROOT), include=find["include"]))
    in_tree = {str(d.relative_to(ROOT)).replace(os.sep, ".")
               for top in ("cnn", "gui", "assets")
               for d in [ROOT / top, *(ROOT / top).rglob("*")]
               if d.is_dir() and any(d.glob("*.py"))}
    assert {"gui.panels", "gui.training", "assets"} <= in_tree
    assert found == in_tree
    assert not any(p.startswith(("tests", "benchmarks")) for p in found)


def test_every_asset_the_app_reads_is_package_data():
    shipped = set(PYPROJECT["tool"]["setuptools"]["package-data"]["assets"])
    source = "".join(p.read_text() for top in ("cnn", "gui") for p in (ROOT / top).rglob("*.py"))
    read = {part.split('"')[1] for part in source.split("asset_path(")[1:]
            if part.startswith('"')}
    assert {"default_model.npz", "icon.svg"} <= read <= shipped
    for name in shipped:
        assert (ROOT / "assets" / name).is_file(), name


def test_shipped_files_are_found_through_the_assets_package():
    files = resources.files("assets")
    assert paths.DEFAULT_MODEL == Path(files / "default_model.npz").resolve()
    assert paths.ICON == Path(files / "icon.svg").resolve()
    assert paths.DEFAULT_MODEL.is_file() and paths.ICON.is_file()


def _run(code: str, cwd, env=None) -> subprocess.CompletedProcess:
    out = subprocess.run([sys.executable, "-c", textwrap.dedent(code)], cwd=cwd, env=env,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stdout + out.stderr
    return out


def test_assets_from_a_zipped_install_are_real_files(tmp_path):
    # Some installers leave packages zipped; the model must still be a file NumPy can open.
    archive = tmp_path / "zipped.zip"
    with zipfile.ZipFile(archive, "w") as z:
        z.writestr("assets/__init__.py", "")
        z.writestr("assets/default_model.npz", b"model bytes")
        z.writestr("assets/icon.svg", b"<svg/>")
    out = _run(f"""
        import sys
        sys.path.insert(0, {str(archive)!r})
        from cnn import paths
        assert paths.DEFAULT_MODEL.read_bytes() == b"model bytes", paths.DEFAULT_MODEL
        assert paths.ICON.read_bytes() == b"<svg/>"
        print(paths.DEFAULT_MODEL)
    """, cwd=tmp_path)
    assert not Path(out.stdout.strip()).exists(), "the unpacked copy is removed at exit"


# What each way of starting the app imports first: OpenBLAS reads OPENBLAS_THREAD_TIMEOUT once,
# when NumPy loads it, so the variable must be set by then.
WATCH_NUMPY = """
    import os, sys

    seen = []

    class Watch:
        def find_spec(self, name, path=None, target=None):
            if name == "numpy" and not seen:
                seen.append(os.environ.get("OPENBLAS_THREAD_TIMEOUT"))
            return None

    sys.meta_path.insert(0, Watch())
"""


@pytest.mark.parametrize("start", [
    # the `letterlens` command: what its console script does
    "from importlib.metadata import entry_points\n"
    "(ep,) = entry_points(group='console_scripts', name='letterlens')\n"
    "ep.load()",
    # python main.py (run under another name, so it does not start the window)
    f"import runpy; runpy.run_path({str(ROOT / 'main.py')!r}, run_name='letterlens_test')",
    "import cnn.cli",
])
def test_every_way_in_sets_the_blas_environment_before_numpy(start, tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "OPENBLAS_THREAD_TIMEOUT"}
    out = _run(WATCH_NUMPY + textwrap.indent(start, "    ") + """
    assert "numpy" in sys.modules
    print(seen)
    """, cwd=tmp_path, env=env)
    assert out.stdout.strip() == "['4']"


def test_user_folders_follow_the_platform_and_the_overrides(tmp_path, monkeypatch):
    for var in ("DATA", "CACHE", "CONFIG", "LOG"):
        monkeypatch.delenv(f"LETTERLENS_{var}_DIR", raising=False)
    folders = [paths.data_dir(), paths.cache_dir(), paths.config_dir(), paths.log_dir()]
    assert len(set(folders)) == 4, folders  # no two kinds of file share a folder
    assert all(f.is_absolute() and "letterlens" in str(f).lower() for f in folders)
    for var, get in (("DATA", paths.data_dir), ("CACHE", paths.cache_dir),
                     ("CONFIG", paths.config_dir), ("LOG", paths.log_dir)):
        monkeypatch.setenv(f"LETTERLENS_{var}_DIR", str(tmp_path / var))
        assert get() == tmp_path / var


def test_the_pyside6_release_that_drops_references_to_none_is_excluded():
    """PySide6 6.12.0 returns None and True without a reference on Python 3.11 (the interpreter
    aborts after some thousand repaints); LetterLens has no work-around, so it never installs."""
    from packaging.requirements import Requirement

    pyside = [Requirement(d) for d in PYPROJECT["project"]["dependencies"]
              if d.lower().startswith("pyside6")]
    assert pyside and all(not r.specifier.contains("6.12.0") for r in pyside)
    assert all(r.specifier.contains("6.11.3") for r in pyside)
