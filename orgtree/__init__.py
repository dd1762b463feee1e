# The place resolver's compiled modules, when built for these sources (orgtree/native.py):
# installed before any of them can be imported.
from . import native

native.install()
