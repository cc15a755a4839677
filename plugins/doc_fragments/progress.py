# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # progress_interval and the action/async attributes (descriptions from ansible.builtin's
    # action_common_attributes.flow), shared by the modules whose action plugin prints progress lines
    # (plugins/plugin_utils/progress_action.py).
    DOCUMENTATION = r'''
options:
  progress_interval:
    description:
      - Seconds between two progress lines while the task runs; V(0) prints none. A line says the phase and how long
        it has run. For a load it adds the rows sent of the total (the total when every file is Parquet, whose footer
        holds it), the rate and the time left; for an upload to S3 the bytes sent of the artefact's size, the rate and
        the time left; for a wait the members not yet in the requested state, with their status.
      - The first line comes after one interval, so a task shorter than that prints nothing. The lines go to the
        C(ansible-playbook) output (and the AWX / AAP job output) between the task's header and its result; the result
        is the same with or without them.
      - Lines are printed over any connection. On the controller (the C(local) connection, for example C(localhost),
        a task delegated to C(localhost) or an AWX execution environment) the action reads the module's progress file
        itself; over another connection (C(ssh)...) the module runs in the background under ansible-core's async
        wrapper and the action reads its files over the connection, polling at most once a second, and returns the
        module's result as a foreground run would.
      - No lines when the task uses C(async) or C(no_log), in check mode over a connection that is not C(local), or
        over a connection with async of its own (C(winrm), C(psrp)).
    type: float
    default: 10
attributes:
  action:
    support: full
    details: The action plugin of the same name runs the module on the target and prints its progress lines.
  async:
    support: full
    details: With C(async) the task runs as any asynchronous module does, without progress lines.
  bypass_host_loop:
    support: none
'''
