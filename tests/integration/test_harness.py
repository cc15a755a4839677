"""The run_playbook fixture runs real ansible-playbook and reports real per-task results."""

import os
import sys
from pathlib import Path

PLAY_HEADER = """\
- hosts: localhost
  gather_facts: false
  tasks:
"""


def test_ok_results_and_registered_values(run_playbook, tmp_path):
    target = tmp_path / "made-by-ansible.txt"
    run = run_playbook(PLAY_HEADER + """\
    - name: set a fact
      ansible.builtin.set_fact:
        answer: "{{ 6 * 7 }}"
    - name: write a file
      ansible.builtin.copy:
        dest: "{{ target }}"
        content: "answer={{ answer }}\\n"
    - name: run the interpreter
      ansible.builtin.command: "{{ ansible_playbook_python }} -c 'import sys; print(sys.executable)'"
      changed_when: false
""", extra_vars={"target": str(target)})
    assert run.rc == 0, run
    assert run.results["set a fact"]["ansible_facts"] == {"answer": 42}
    assert run.results["write a file"]["changed"] is True
    assert target.read_text() == "answer=42\n"
    assert run.results["run the interpreter"]["rc"] == 0
    assert run.results["run the interpreter"]["changed"] is False
    assert "PLAY RECAP" in run.stdout


def test_module_interpreter_is_the_venv_python(run_playbook, module_interpreter):
    run = run_playbook(PLAY_HEADER + """\
    - name: facts from the module side
      ansible.builtin.setup:
        gather_subset: [min]
""")
    assert run.rc == 0, run
    module_python = run.results["facts from the module side"]["ansible_facts"]["ansible_python"]["executable"]
    # Modules run on the venv's interpreter, where the neo4j driver and pyarrow are installed, or on the one
    # GRAPHOPS_MODULE_PYTHON names (.venv-driver5 for the neo4j 5.28 driver pass).
    assert Path(module_python).parent == Path(module_interpreter).parent
    if not os.environ.get("GRAPHOPS_MODULE_PYTHON"):
        assert Path(module_python).parent == Path(sys.executable).parent


def test_failed_task_result_is_recorded(run_playbook):
    run = run_playbook(PLAY_HEADER + """\
    - name: fail on purpose
      ansible.builtin.command: /bin/sh -c 'echo broken >&2; exit 3'
    - name: never reached
      ansible.builtin.set_fact:
        reached: true
""")
    assert run.rc == 2, run
    failed = run.results["fail on purpose"]
    assert failed["failed"] is True
    assert failed["rc"] == 3
    assert failed["stderr"] == "broken"
    assert "never reached" not in run.results


def test_task_run_more_than_once_keeps_a_list(run_playbook):
    play = PLAY_HEADER + """\
    - name: say
      ansible.builtin.set_fact:
        word: "{{ word_value }}"
      vars:
        word_value: %s
    - name: once
      ansible.builtin.set_fact:
        done: true
      when: %s
"""
    run = run_playbook(play % ("first", "true") + "\n" + play % ("second", "false"))
    assert run.rc == 0, run
    said = run.results["say"]
    assert [r["ansible_facts"]["word"] for r in said] == ["first", "second"]
    # "once" ran, then was skipped: both outcomes are kept, in order.
    assert [r.get("skipped", False) for r in run.all_results("once")] == [False, True]


def test_check_and_diff_results(run_playbook, tmp_path):
    target = tmp_path / "untouched.txt"
    target.write_text("old\n")
    run = run_playbook(PLAY_HEADER + """\
    - name: change a file
      ansible.builtin.copy:
        dest: "{{ target }}"
        content: "new\\n"
""", extra_vars={"target": str(target)}, check=True, diff=True)
    assert run.rc == 0, run
    result = run.results["change a file"]
    assert result["changed"] is True
    assert result["diff"][0]["before"] == "old\n"
    assert result["diff"][0]["after"] == "new\n"
    assert target.read_text() == "old\n"  # check mode changed nothing


def test_playbook_given_as_a_path(run_playbook, tmp_path):
    playbook = tmp_path / "ping.yml"
    playbook.write_text(PLAY_HEADER + """\
    - name: ping
      ansible.builtin.ping:
""")
    run = run_playbook(playbook)
    assert run.rc == 0, run
    assert run.results["ping"]["ping"] == "pong"
    assert run.command[1] == str(playbook)
