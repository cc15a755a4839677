# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Import the neo4j driver without the numpy / pandas / pyarrow integrations it would load.

The driver imports numpy, pandas and pyarrow at import time whenever they are installed (``neo4j._optional_deps``,
for ``Result.to_df()``, numpy parameters and vectors as numpy arrays), which is about half of a Bolt module's start-up.
The modules use none of that: parameters come from Ansible as plain values and results are turned into plain
values.  Inside :func:`lean_driver_import` those packages, when not imported yet, look absent (a ``None`` entry in
``sys.modules`` makes ``import`` raise ImportError, which the driver treats as "not installed"); afterwards they
import normally again, so ``neo4j_arrow_load`` still gets pyarrow.  Without the extras the driver handles vectors
with its pure-Python code.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import contextlib
import sys

# What neo4j._optional_deps tries (driver 5.x and 6.x).
OPTIONAL_PACKAGES = ("numpy", "pandas", "pyarrow")


@contextlib.contextmanager
def lean_driver_import():
    """Within the block, the optional packages that are not imported yet cannot be imported."""
    hidden = [name for name in OPTIONAL_PACKAGES if name not in sys.modules]
    for name in hidden:
        sys.modules[name] = None
    try:
        yield
    finally:
        for name in hidden:
            if name in sys.modules and sys.modules[name] is None:
                del sys.modules[name]
