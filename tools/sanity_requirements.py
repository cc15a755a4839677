"""Print the Python requirements ``ansible-test sanity --local`` needs in this environment.

ansible-test ships one pinned requirements file per sanity test (ansible_test/_data/requirements/).
With --local it installs nothing itself, so ``make sanity`` installs them into .venv.  A package the
venv already has (PyYAML, Jinja2, packaging, ... pinned by tests/requirements.txt) keeps its version:
the test files pin slightly different releases and re-pinning them would fight the project's own
requirements on every run.  The import test is left out: ansible-test builds its own venv for it.
"""

import glob
import importlib.metadata
import os
import re
import sys

import ansible_test

SKIP_TESTS = ("import", "import.plugin")


def installed(name):
    try:
        importlib.metadata.distribution(name)
    except importlib.metadata.PackageNotFoundError:
        return False
    return True


def requirements():
    folder = os.path.join(os.path.dirname(ansible_test.__file__), "_data", "requirements")
    wanted = {}
    for path in sorted(glob.glob(os.path.join(folder, "sanity.*.txt"))):
        test = os.path.basename(path)[len("sanity."):-len(".txt")]
        if test in SKIP_TESTS:
            continue
        with open(path, encoding="utf-8") as handle:
            for line in handle:
                line = line.split("#", 1)[0].strip()
                if not line:
                    continue
                name = re.split(r"[<>=!~;\[ ]", line, maxsplit=1)[0]
                if not installed(name):
                    wanted.setdefault(name.lower(), line)
    return sorted(wanted.values(), key=str.lower)


if __name__ == "__main__":
    for requirement in requirements():
        print(requirement)
    sys.exit(0)
