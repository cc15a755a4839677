# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Runs neo4j_rolling_upgrade and prints progress lines while it works (plugins/plugin_utils/progress_action.py)."""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from ansible_collections.graphops.neo4j.plugins.plugin_utils.progress_action import ProgressActionModule


class ActionModule(ProgressActionModule):
    pass
