"""An HTTP control endpoint on 127.0.0.1 for processes outside the test (an ``ansible-playbook`` run's upgrade tasks).

It does what an operator's package manager and service manager do to a real member, nothing else::

    POST /members/<member>/stop                     {}                        a clean shutdown
    POST /members/<member>/start                    {"version": "2026.07.0"}  start again, on that release
    GET  /members/<member>                                                    {"up": ..., "version": ...}

``<member>`` is the simulator's member name (server1 ...).  Answers are JSON; an unknown member is a 404.
Test-only: it has no authentication and listens on loopback only.
"""

import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

HOST = "127.0.0.1"


class ControlServer:
    def __init__(self, cluster):
        self.cluster = cluster
        self._httpd = None
        self._thread = None
        self.log = []  # (action, member, version) in the order they came: tests check the upgrade order

    @property
    def url(self):
        return "http://%s:%d" % (HOST, self._httpd.server_address[1])

    def start(self):
        cluster = self.cluster
        self_server = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):  # quiet: the test output is the playbook's
                pass

            def _reply(self, status, body):
                data = json.dumps(body).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def _member(self):
                parts = self.path.strip("/").split("/")
                if len(parts) < 2 or parts[0] != "members" or parts[1] not in cluster.members:
                    self._reply(404, {"error": "no such member: %s" % self.path})
                    return None, None
                return parts[1], parts[2] if len(parts) > 2 else None

            def _state(self, member):
                with cluster.model.lock:
                    server = cluster.model.servers[member]
                    return {"member": member, "up": server.up, "version": server.version or cluster.model.version,
                            "stuck": server.stuck}

            def do_GET(self):  # noqa: N802 (http.server's name)
                member, _action = self._member()
                if member:
                    self._reply(200, self._state(member))

            def do_POST(self):  # noqa: N802
                member, action = self._member()
                if not member:
                    return
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}") if length else {}
                if action in ("stop", "start"):
                    self_server.log.append((action, member, body.get("version")))
                if action == "stop":
                    cluster.stop_member(member)
                elif action == "start":
                    cluster.restart_member(member, version=body.get("version"))
                else:
                    self._reply(404, {"error": "no such action: %s" % action})
                    return
                self._reply(200, self._state(member))

        self._httpd = ThreadingHTTPServer((HOST, 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, name="simulator-control", daemon=True)
        self._thread.start()
        return self

    def stop(self):
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            self._httpd = None
