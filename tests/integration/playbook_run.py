"""The outcome of one ansible-playbook run, as the tests read it.

A module of its own, not part of conftest.py: several folders of the test tree have a conftest.py and all of them are
imported under the one name ``conftest``, so ``from conftest import ...`` gets whichever was imported last."""

from dataclasses import dataclass, field


@dataclass
class PlaybookRun:
    """Outcome of one ansible-playbook run."""

    rc: int
    stdout: str
    stderr: str
    command: list
    tasks: list = field(default_factory=list)  # every result in order: {task, host, status, result}

    @property
    def results(self):
        """Task name -> result dict, or a list of result dicts when the task ran more than once.

        A task of a role is there under its full name (``graphops.neo4j.neo4j_blue_green : Summary``) and, unless
        a task outside roles has the same name, under its own name too (``Summary``): the playbooks that became
        wrappers over a role keep answering to the names their tests use."""
        grouped, bare = {}, {}
        for record in self.tasks:
            grouped.setdefault(record["task"], []).append(record["result"])
            own = _own_name(record["task"])
            if own != record["task"]:
                bare.setdefault(own, []).append(record["result"])
        for name, found in bare.items():
            grouped.setdefault(name, found)
        return {name: found[0] if len(found) == 1 else found for name, found in grouped.items()}

    def all_results(self, task):
        """Every result of one task, in order (empty when it never ran); a role's task also by its own name."""
        exact = [record["result"] for record in self.tasks if record["task"] == task]
        return exact or [record["result"] for record in self.tasks if _own_name(record["task"]) == task]

    def __str__(self):
        return f"ansible-playbook rc={self.rc}\n--- stdout\n{self.stdout}\n--- stderr\n{self.stderr}"


def _own_name(task):
    """A task's name without the role prefix Ansible gives tasks of a role (``role : name``)."""
    return task.split(" : ", 1)[1] if " : " in task else task
