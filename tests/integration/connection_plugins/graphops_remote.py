"""Test-only Ansible connection: the local connection under another transport name, a stand-in for ssh.

The collection's progress action (plugins/plugin_utils/progress_action.py) reads a module's progress file itself
only when the task's connection is ``local``; over any other connection it runs the module under ansible-core's
async_wrapper and reads the job and progress files with commands sent over the connection.  This plugin runs its
commands on this machine exactly as ``local`` does, but says it is not ``local``, so a test takes the path every
ssh, paramiko, docker or kubectl task takes, where no sshd can run.  Enabled with ANSIBLE_CONNECTION_PLUGINS
and ``ansible_connection: graphops_remote``.
"""

from ansible.plugins.connection.local import Connection as LocalConnection

DOCUMENTATION = """
name: graphops_remote
short_description: the local connection under another name (test-only stand-in for a remote connection)
description:
  - Test-only. Runs commands on the controller as the local connection does, under the transport name
    C(graphops_remote), so actions treat the host as remote.
author: graphops.neo4j contributors
options:
  become_success_timeout:
    type: int
    default: 10
    description: As the local connection's option.
    vars:
      - name: ansible_local_become_success_timeout
  become_strip_preamble:
    type: bool
    default: true
    description: As the local connection's option.
    vars:
      - name: ansible_local_become_strip_preamble
extends_documentation_fragment:
  - connection_pipelining
"""


class Connection(LocalConnection):
    """``local``, reporting itself as a remote transport."""

    transport = "graphops_remote"
