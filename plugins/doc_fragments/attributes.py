# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)

from __future__ import absolute_import, division, print_function

__metaclass__ = type


class ModuleDocFragment(object):
    # The attributes every module of the collection shares, on top of ansible.builtin.action_common_attributes
    # (which describes check_mode, diff_mode and platform): membership of the action group that
    # module_defaults uses (meta/runtime.yml), and the platforms the module runs on.
    DOCUMENTATION = r'''
options: {}
attributes:
  action_group:
    description: Use C(group/graphops.neo4j.neo4j) in C(module_defaults) to set the connection options once for every
      module of the collection.
    support: full
    membership:
      - graphops.neo4j.neo4j
  platform:
    platforms: all
    details: The module talks to Neo4j over the network and runs wherever Python and the Neo4j driver do, usually the
      controller or the execution environment.
'''

    # The backup modules run where neo4j-admin is and take no Bolt connection: their own action group shares
    # neo4j-admin's path, its configuration and the S3 settings between them.
    BACKUP_MODULES = r'''
options: {}
attributes:
  action_group:
    description: Use C(group/graphops.neo4j.neo4j_backup) in C(module_defaults) to set the options the backup
      modules share (neo4j-admin, its configuration, S3) once.
    support: full
    membership:
      - graphops.neo4j.neo4j_backup
  platform:
    platforms: all
    details: The module runs C(neo4j-admin) on the host it runs on (the backup member, or a host with neo4j-admin
      and network access to it); S3 is reached through boto3 from the same host.
'''

    # Registry credentials for the image role: AWS options shared by module_defaults, no Neo4j connection.
    REGISTRY_MODULES = r'''
options: {}
attributes:
  action_group:
    description: Use C(group/graphops.neo4j.neo4j_registry) in C(module_defaults) to set the AWS options once.
    support: full
    membership:
      - graphops.neo4j.neo4j_registry
  platform:
    platforms: all
    details: The module calls the AWS API through boto3 from the host it runs on, usually the controller or the host
      that builds the image.
'''

    # The memory metrics and alarms in CloudWatch: AWS options shared by module_defaults, no Neo4j connection (the
    # figures come from neo4j_info).
    CLOUDWATCH_MODULES = r'''
options: {}
attributes:
  action_group:
    description: Use C(group/graphops.neo4j.neo4j_cloudwatch) in C(module_defaults) to set the AWS options once.
    support: full
    membership:
      - graphops.neo4j.neo4j_cloudwatch
  platform:
    platforms: all
    details: The module calls the CloudWatch API through boto3 from the host it runs on, usually the controller or the
      execution environment; it takes no Neo4j connection.
'''
