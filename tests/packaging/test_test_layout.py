"""The test tree has no __init__.py files, so pytest imports every test module by its basename: two test files with
the same name in different folders cannot run in one session (the second fails to collect with "import file
mismatch"). Each test file's basename must be unique."""

import collections
from pathlib import Path

TESTS = Path(__file__).resolve().parents[1]


def test_every_test_module_has_a_basename_of_its_own():
    names = collections.defaultdict(list)
    for path in TESTS.rglob("test_*.py"):
        if "node_modules" not in path.parts:
            names[path.name].append(str(path.relative_to(TESTS)))
    assert {name: paths for name, paths in names.items() if len(paths) > 1} == {}
