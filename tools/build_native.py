"""Compile the place resolver's hot modules with mypyc (see ``orgtree/native.py``).

Run: ``.venv/bin/python tools/build_native.py [--check]`` (``./run setup``, ``test`` and
``demo`` run it). Does nothing when the build of the current sources exists; ``--check`` only
says whether it does (exit 1 when not). A build that fails (no C compiler, a type error that
mypyc refuses) leaves the plain Python modules in use, says why, and exits 1.

The build is written into a temporary folder and renamed into ``var/native/<tag>/`` when
complete, under a file lock (the test runs of ``.ci/run`` start side by side); all but the
last few older builds are removed.
"""

from __future__ import annotations

import argparse
import fcntl
import os
import shutil
import sys
import tempfile
import warnings
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ["CBCCVC_NATIVE"] = "0"  # this process imports no build

from orgtree import native  # noqa: E402

KEEP_OLDER = 4  # older builds kept (about 2 MB each)


def compile_into(work: Path) -> Path:
    """Compile :data:`native.MODULES` under ``work``; the folder of the built files."""
    from mypyc.build import mypycify
    from setuptools import setup

    # mypy's Django plugin (pyproject.toml) reads the settings
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cbccvc.settings")
    paths = [str(native.source_path(m).relative_to(ROOT)) for m in native.MODULES]
    extensions = mypycify(paths, opt_level="3", target_dir=str(work / "c"))
    lib = work / "lib"
    with warnings.catch_warnings():  # setuptools reads the project's pyproject.toml too
        warnings.simplefilter("ignore")
        setup(
            name="cbccvc-native",
            ext_modules=extensions,
            script_args=[
                "-q",
                "build_ext",
                "--build-lib",
                str(lib),
                "--build-temp",
                str(work / "o"),
            ],
        )
    lines = []
    for file in sorted(lib.rglob("*" + native.EXT_SUFFIX)):
        relative = file.relative_to(lib).as_posix()
        lines.append(f"{relative[: -len(native.EXT_SUFFIX)].replace('/', '.')} {relative}")
    (lib / native.MANIFEST).write_text("\n".join(lines) + "\n")
    return lib


def build() -> int:
    native.BUILDS.mkdir(parents=True, exist_ok=True)
    with open(native.BUILDS / ".lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if native.built():
            return 0
        target = native.build_dir()
        print(f"build_native: compiling {len(native.MODULES)} modules with mypyc …", flush=True)
        work = Path(tempfile.mkdtemp(prefix="building-", dir=native.BUILDS))
        os.chdir(ROOT)  # mypy reads its configuration (pyproject.toml) from here
        try:
            lib = compile_into(work)
            if native.built_files(lib) is None:
                raise RuntimeError(f"the build lacks a module of {native.MODULES}")
            shutil.rmtree(target, ignore_errors=True)
            os.replace(lib, target)
        except (Exception, SystemExit) as exc:  # mypyc exits on a type error
            print(
                f"build_native: not compiled ({exc!r}); the place resolver runs as plain "
                "Python (correct, about 1.5 times slower)",
                file=sys.stderr,
            )
            return 1
        finally:
            shutil.rmtree(work, ignore_errors=True)
        # a process started before may still import from an older build (a module it has not
        # needed yet): the last few stay
        builds = [b for b in native.BUILDS.iterdir() if b.is_dir() and b != target]
        builds = [b for b in builds if not b.name.startswith("building-")]
        builds.sort(key=lambda b: b.stat().st_mtime, reverse=True)
        for old in builds[KEEP_OLDER:]:
            shutil.rmtree(old, ignore_errors=True)
        print(f"build_native: built {target.relative_to(ROOT)}")
        return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only say whether it is built")
    args = parser.parse_args()
    if args.check:
        fresh = native.built()
        print(f"build_native: {'built' if fresh else 'not built'} for the current sources")
        return 0 if fresh else 1
    return build()


if __name__ == "__main__":
    sys.exit(main())
