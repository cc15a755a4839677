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


def test_no_test_module_imports_a_conftest_by_name():
    """Each folder's conftest.py is imported under the one name ``conftest``: ``from conftest import`` gets whichever
    folder's came last (the CI of stop 17 failed on that). Shared helpers live in modules of their own."""
    offenders = [str(path.relative_to(TESTS)) for path in TESTS.rglob("*.py")
                 if "node_modules" not in path.parts and path.name != "conftest.py"
                 and any(line.strip().startswith(("from conftest import", "import conftest"))
                         for line in path.read_text(encoding="utf-8").splitlines())]
    assert not offenders


def test_every_helper_module_has_a_basename_of_its_own():
    """Helper modules of the test folders are imported by basename too (the folders are on sys.path)."""
    names = collections.defaultdict(list)
    for path in TESTS.rglob("*.py"):
        if {"node_modules", "simulator"} & set(path.parts) or path.name.startswith("test_") or path.name == "conftest.py":
            continue
        names[path.name].append(str(path.relative_to(TESTS)))
    assert {name: paths for name, paths in names.items() if len(paths) > 1} == {}
