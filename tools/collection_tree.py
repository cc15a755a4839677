"""Mirror the working tree into ``<dest>/ansible_collections/graphops/neo4j`` for ansible-test.

ansible-test only works from a directory laid out as ``ansible_collections/<namespace>/<name>`` and
resolves the real path of its working directory, so a symlink to the repository is not enough; this
copies the files git knows about (tracked plus untracked-but-not-ignored, so .venv, node_modules and
build output stay out) and removes files that are gone from the working tree.

The copy gets its own empty git repository: ansible-test lists content with ``git ls-files --others``
from the nearest enclosing repository, which would otherwise be this one, where build/ is ignored.
"""

import argparse
import filecmp
import os
import shutil
import subprocess
import sys

NAMESPACE = "graphops"
NAME = "neo4j"
# ansible-test writes its results here; keep them between runs.
KEEP = ("tests/output/", ".git/")


def source_files(repo):
    """Relative paths of the files that belong to the working tree."""
    out = subprocess.run(["git", "-C", repo, "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
                         check=True, capture_output=True).stdout
    paths = sorted({p for p in out.decode("utf-8").split("\0") if p})
    return [p for p in paths if os.path.isfile(os.path.join(repo, p)) or os.path.islink(os.path.join(repo, p))]


def mirror(repo, root):
    """Copy changed files into root and delete files that are no longer wanted."""
    wanted = set(source_files(repo))
    for rel in sorted(wanted):
        src, dst = os.path.join(repo, rel), os.path.join(root, rel)
        if os.path.islink(src):
            if os.path.lexists(dst):
                os.remove(dst)
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            os.symlink(os.readlink(src), dst)
            continue
        if os.path.isfile(dst) and not os.path.islink(dst) and filecmp.cmp(src, dst, shallow=False):
            shutil.copymode(src, dst)
            continue
        if os.path.lexists(dst):
            os.remove(dst)
        os.makedirs(os.path.dirname(dst), exist_ok=True)
        shutil.copy2(src, dst)
    for dirpath, dirnames, filenames in os.walk(root, topdown=False):
        if os.path.relpath(dirpath, root).split(os.sep)[0] == ".git":
            continue
        for filename in filenames:
            rel = os.path.relpath(os.path.join(dirpath, filename), root)
            if rel not in wanted and not rel.startswith(KEEP):
                os.remove(os.path.join(dirpath, filename))
        if dirpath != root and not os.listdir(dirpath):
            os.rmdir(dirpath)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("dest", help="directory that will hold ansible_collections/")
    parser.add_argument("--repo", default=os.getcwd(), help="repository root (default: current directory)")
    args = parser.parse_args()
    root = os.path.join(os.path.abspath(args.dest), "ansible_collections", NAMESPACE, NAME)
    os.makedirs(root, exist_ok=True)
    if not os.path.isdir(os.path.join(root, ".git")):
        subprocess.run(["git", "init", "-q", root], check=True)
    mirror(os.path.abspath(args.repo), root)
    print(root)
    return 0


if __name__ == "__main__":
    sys.exit(main())
