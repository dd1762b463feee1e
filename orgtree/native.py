"""The place resolver's hot path compiled with mypyc, the compiler of typed Python that ships
with mypy, when a build of these very sources exists.

``tools/build_native.py`` (run by ``./run setup``, ``test`` and ``demo``) compiles
:data:`MODULES` as one group into ``var/native/<tag>/``. The tag is a digest of the
interpreter's extension suffix and of the sources of the compiled modules and of the modules
whose types they rely on (:data:`TYPED_NEIGHBOURS`). A build therefore never runs code other
than the sources beside it: once a module is edited, the plain Python modules are imported
until it is built again, and the system check ``orgtree.W010`` says so.
``CBCCVC_NATIVE=0`` imports the plain modules on purpose.

The compiled modules give the same answers as the plain ones (``tests/orgtree/test_native.py``
compares them on the corpora) at about 1.5 times the speed. mypyc checks every annotation at
run time, which is why these modules type-check with no entry in mypy's baseline.

``orgtree/__init__.py`` installs the finder, before any of these modules can be imported.
"""

from __future__ import annotations

import hashlib
import importlib.abc
import importlib.machinery
import importlib.util
import os
import sys
import sysconfig
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from importlib.machinery import ModuleSpec
from pathlib import Path
from types import ModuleType

# one group: calls between them are C calls
MODULES = (
    "orgtree.place_steps",
    "orgtree.places.index",
    "orgtree.places.parse",
    "orgtree.places.reading",
    "orgtree.places.resolve",
)
# the modules the compiled ones import and trust the annotations of
TYPED_NEIGHBOURS = (
    "orgtree.models",
    "orgtree.place_fuzzy",
    "orgtree.place_slips",
    "orgtree.places.abroad",
    "orgtree.places.catalogue",
    "orgtree.text",
)
ROOT = Path(__file__).resolve().parent.parent
BUILDS = ROOT / "var" / "native"
MANIFEST = "modules.txt"  # written last by the builder: "module relative/path.so" per line
EXT_SUFFIX = str(sysconfig.get_config_var("EXT_SUFFIX") or ".so")
DISABLE = "CBCCVC_NATIVE"


def source_path(module: str) -> Path:
    return ROOT.joinpath(*module.split(".")).with_suffix(".py")


def tag() -> str:
    """The build's name: what it was compiled from and for."""
    digest = hashlib.sha256(EXT_SUFFIX.encode())
    for module in MODULES + TYPED_NEIGHBOURS:
        digest.update(f"\0{module}\0".encode())
        digest.update(source_path(module).read_bytes())
    return digest.hexdigest()[:24]


def build_dir() -> Path:
    return BUILDS / tag()


def disabled() -> bool:
    return os.environ.get(DISABLE, "") == "0"


def relative_file(module: str) -> str:
    """Where a build holds a compiled module (as the manifest names it)."""
    return module.replace(".", "/") + EXT_SUFFIX


def built() -> bool:
    """Whether the build of the current sources exists."""
    return built_files(build_dir()) is not None


def built_files(directory: Path) -> dict[str, Path] | None:
    """Module name → compiled file of a finished build, None when there is none."""
    try:
        lines = (directory / MANIFEST).read_text().splitlines()
    except OSError:
        return None
    files = {}
    for line in lines:
        name, _, relative = line.partition(" ")
        files[name] = directory / relative
    if not set(MODULES) <= files.keys() or not all(f.is_file() for f in files.values()):
        return None
    return files


class _Finder(importlib.abc.MetaPathFinder):
    """Finds the compiled modules (and the group's shared library) of one build."""

    def __init__(self, files: dict[str, Path]) -> None:
        self.files = files

    def find_spec(
        self, fullname: str, path: Sequence[str] | None = None, target: ModuleType | None = None
    ) -> ModuleSpec | None:
        file = self.files.get(fullname)
        if file is None:
            return None
        loader = importlib.machinery.ExtensionFileLoader(fullname, str(file))
        return importlib.util.spec_from_file_location(fullname, file, loader=loader)


def install() -> bool:
    """Import the compiled modules from now on when a build of these sources exists."""
    if disabled():
        return False
    if installed():
        return True
    try:
        files = built_files(build_dir())
    except OSError:  # a source is missing: an installed copy without them
        return False
    if files is None:
        return False
    sys.meta_path.insert(0, _Finder(files))
    return True


def installed() -> bool:
    """Whether the compiled modules are imported (or will be, when first imported)."""
    return any(isinstance(finder, _Finder) for finder in sys.meta_path)


def is_compiled(module: ModuleType | None) -> bool:
    """Whether ``module`` was imported from a compiled build."""
    return str(getattr(module, "__file__", "") or "").endswith(EXT_SUFFIX)


def compiled_modules() -> list[str]:
    """The modules of :data:`MODULES` imported from a compiled build."""
    return [name for name in MODULES if is_compiled(sys.modules.get(name))]


@contextmanager
def plain_modules(name: str = "orgtree.places.resolve") -> Iterator[ModuleType]:
    """Module ``name`` of :data:`MODULES` imported from the plain sources, with the compiled
    group set aside meanwhile, and everything put back after: to compare the two in one
    process (the benchmark, the tests). The catalogue, built by the module that was imported
    first, is shared."""
    children = {n: n.rpartition(".") for n in MODULES}
    bound = {n: getattr(sys.modules.get(p), c, None) for n, (p, _, c) in children.items()}
    saved = {n: sys.modules.pop(n) for n in MODULES if n in sys.modules}
    finders = [f for f in sys.meta_path if isinstance(f, _Finder)]
    for finder in finders:
        sys.meta_path.remove(finder)
    try:
        module = importlib.import_module(name)
        if is_compiled(module):
            raise RuntimeError(f"{name} was imported compiled")
        yield module
    finally:
        for n in MODULES:
            sys.modules.pop(n, None)
        sys.modules.update(saved)
        sys.meta_path[:0] = finders
        for n, (parent, _, child) in children.items():
            if bound[n] is not None and parent in sys.modules:
                setattr(sys.modules[parent], child, bound[n])
