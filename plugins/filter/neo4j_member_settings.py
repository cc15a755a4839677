# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Filters for the neo4j_cluster role: a member's neo4j.conf settings and Neo4j's memory recommendation."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r'''
name: neo4j_member_settings
short_description: The neo4j.conf settings of one Neo4j cluster member
version_added: 0.1.0
author:
  - graphops.neo4j contributors (@graphops)
description:
  - Builds the settings (name to value) of one member for the Neo4j release it runs, 5.26 LTS or 2025.01 and later
    (discovery, listen and advertised addresses, mode constraint, system database mode, memory, TLS policies, the
    backup listener and GDS Arrow). The role graphops.neo4j.neo4j_cluster renders them into C(neo4j.conf).
  - The sources of every setting are in docs/roles/neo4j_cluster.md.
options:
  _input:
    description:
      - The member, a dict with C(advertised_host), C(listen_host), C(ports), C(role) (V(primary) or V(secondary)),
        C(gds), C(backup), C(mode_constraint), C(memory) (bytes), C(heap_size), C(pagecache_size).
    type: dict
    required: true
  cluster:
    description:
      - The cluster, a dict with C(version), C(endpoints), C(primaries_count), C(tls), C(tls_directory),
        C(gds_license_file) and C(settings) (extra settings, which win).
    type: dict
    required: true
'''

EXAMPLES = r'''
- name: Settings of this member
  ansible.builtin.set_fact:
    settings: "{{ member | graphops.neo4j.neo4j_member_settings(cluster) }}"
'''

RETURN = r'''
_value:
  description: Setting name to value, all strings.
  type: dict
'''

from ansible.errors import AnsibleFilterError

from ansible_collections.graphops.neo4j.plugins.module_utils.member_config import (
    MemberConfigError,
    member_settings,
    memory_recommendation,
)


def neo4j_member_settings(member, cluster):
    try:
        return member_settings(member, cluster)
    except (MemberConfigError, KeyError) as exc:
        raise AnsibleFilterError("neo4j_member_settings: %s" % exc)


def neo4j_memory_recommendation(total_mb):
    """neo4j-admin server memory-recommendation for ``total_mb`` MiB (e.g. ansible_memtotal_mb)."""
    try:
        return memory_recommendation(int(total_mb) * 1024 * 1024)
    except (MemberConfigError, ValueError, TypeError) as exc:
        raise AnsibleFilterError("neo4j_memory_recommendation: %s" % exc)


def neo4j_member_endpoint(host_vars, default_ports, port="cluster"):
    """``host:port`` of a member from its hostvars: ``neo4j_cluster_advertised_host`` (default: the inventory name)
    and the ``port`` of ``neo4j_cluster_ports`` merged over ``default_ports``."""
    try:
        host = host_vars.get("neo4j_cluster_advertised_host") or host_vars["inventory_hostname"]
        ports = dict(default_ports)
        ports.update(host_vars.get("neo4j_cluster_ports") or {})
        return "%s:%d" % ("[%s]" % host if ":" in str(host) else host, int(ports[port]))
    except (KeyError, TypeError, ValueError) as exc:
        raise AnsibleFilterError("neo4j_member_endpoint: %s" % exc)


class FilterModule(object):
    def filters(self):
        return {
            "neo4j_member_settings": neo4j_member_settings,
            "neo4j_memory_recommendation": neo4j_memory_recommendation,
            "neo4j_member_endpoint": neo4j_member_endpoint,
        }
