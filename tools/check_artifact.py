"""Fail when a built collection artifact carries files that build_ignore should keep out."""

import sys
import tarfile

# Top-level entries that must never ship: tests, molecule scenarios, developer tooling, local environments.
FORBIDDEN_TOP = {"tests", "extensions", ".venv", ".ci", ".git", "build", "bench", "node_modules", "tools", "Makefile",
                 ".gitignore", ".ansible-lint", "pytest.ini"}
# ansible-builder reads the execution environment's dependencies from the installed artifact.
REQUIRED = {"MANIFEST.json", "FILES.json", "meta/runtime.yml", "README.md", "LICENSE",
            "meta/execution-environment.yml", "requirements.txt", "bindep.txt"}


def check(path):
    with tarfile.open(path) as archive:
        names = [name.removeprefix("./") for name in archive.getnames()]
    problems = sorted({n for n in names if n.split("/")[0] in FORBIDDEN_TOP or "__pycache__" in n.split("/")})
    problems += sorted(f"missing {n}" for n in REQUIRED - set(names))
    return names, problems


def main(paths):
    if len(paths) != 1:
        print("usage: check_artifact.py COLLECTION.tar.gz", file=sys.stderr)
        return 2
    names, problems = check(paths[0])
    if problems:
        print(f"{paths[0]}: unwanted or missing content:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print(f"{paths[0]}: {len(names)} entries, no tests/, molecule, .venv, tooling or caches")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
