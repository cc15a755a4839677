"""Offline stand-in for the get-pip.py bootstrap script that ansible-test downloads.

ansible-test bootstraps pip into the virtual environments it creates for sanity tests by running
``~/.ansible/test/cache/get_pip_<version>.py`` with pip-install arguments.  The real script comes from a
host this machine cannot reach, so ``make sanity`` installs this file at that path instead: it seeds pip
from the interpreter's bundled wheel (ensurepip) and then runs ``pip install`` with the given arguments,
which only needs PyPI.
"""

import os
import subprocess
import sys

# Options get-pip.py understands that ``pip install`` does not; they only say what not to add.
GET_PIP_ONLY_OPTIONS = ("--no-setuptools", "--no-wheel")


def main(argv):
    """Seed pip with ensurepip, then run pip install with get-pip.py's arguments."""
    env = dict(os.environ, PIP_DISABLE_PIP_VERSION_CHECK="1")
    subprocess.run([sys.executable, "-m", "ensurepip", "--default-pip"], check=True, env=env,
                   stdout=subprocess.DEVNULL)
    args = [arg for arg in argv if arg not in GET_PIP_ONLY_OPTIONS]
    if not [arg for arg in args if not arg.startswith("-")]:
        return 0  # nothing to install beyond the bundled pip
    return subprocess.run([sys.executable, "-m", "pip", "install"] + args, check=False, env=env).returncode


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
