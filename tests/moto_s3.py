"""S3 for the tests: moto in server mode on 127.0.0.1, started by the fixtures themselves (never patched clients).

:class:`MotoS3` runs ``python -m moto.server`` in its own process (so uploads and the simulator do not share a
GIL with it) with IAM authentication on: ``INITIAL_NO_AUTH_ACTION_COUNT`` lets the first calls through unsigned,
which create one IAM user with an S3 policy and its access key; from then on moto checks every request's
credentials, so wrong keys fail as they do on AWS (``InvalidAccessKeyId`` / ``SignatureDoesNotMatch``).

:class:`CuttingProxy` sits between a client and moto and cuts (or stalls) every connection whose request body
grows past a byte budget: an upload "cut mid-way" for the tests, while small requests pass.
"""

import json
import os
import socket
import subprocess
import sys
import threading
import time

REGION = "eu-west-1"
SETUP_ACTIONS = 3  # create_user, put_user_policy, create_access_key
S3_POLICY = {"Version": "2012-10-17", "Statement": [{"Effect": "Allow", "Action": "s3:*", "Resource": "*"}]}
# CloudWatch's IAM prefix is cloudwatch:; moto checks its endpoint prefix, monitoring:.
CLOUDWATCH_POLICY = {"Version": "2012-10-17",
                     "Statement": [{"Effect": "Allow", "Action": ["cloudwatch:*", "monitoring:*"], "Resource": "*"}]}


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class MotoS3:
    """A moto server process; ``endpoint``, ``access_key``, ``secret_key``, ``region`` once started."""

    def __init__(self, policy=None):
        self.policy = policy or S3_POLICY
        self.port = free_port()
        self.address = ("127.0.0.1", self.port)  # what a CuttingProxy in front of it connects to
        self.endpoint = "http://127.0.0.1:%d" % self.port
        self.region = REGION
        self.access_key = self.secret_key = None
        self._proc = None

    def start(self):
        env = dict(os.environ, INITIAL_NO_AUTH_ACTION_COUNT=str(SETUP_ACTIONS), MOTO_ALLOW_NONEXISTENT_REGION="true")
        self._proc = subprocess.Popen([sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(self.port)],
                                      env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                break
            except OSError:
                if self._proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("moto server did not start on port %d" % self.port)
                time.sleep(0.1)
        iam = self._client("iam", "unused", "unused")
        iam.create_user(UserName="backup")
        iam.put_user_policy(UserName="backup", PolicyName="s3", PolicyDocument=json.dumps(self.policy))
        key = iam.create_access_key(UserName="backup")["AccessKey"]
        self.access_key, self.secret_key = key["AccessKeyId"], key["SecretAccessKey"]
        return self

    def stop(self):
        if self._proc is not None:
            self._proc.terminate()
            try:
                self._proc.wait(10)
            except subprocess.TimeoutExpired:
                self._proc.kill()
            self._proc = None

    def _client(self, service, access_key, secret_key, endpoint=None):
        import boto3
        return boto3.client(service, endpoint_url=endpoint or self.endpoint, region_name=self.region,
                            aws_access_key_id=access_key, aws_secret_access_key=secret_key)

    def client(self, endpoint=None, service="s3"):
        """An S3 (or ``service``) client with the valid credentials."""
        return self._client(service, self.access_key, self.secret_key, endpoint)

    def module_options(self):
        """The AWS options of the CloudWatch modules for this server (credentials, region, endpoint)."""
        return {"region": self.region, "endpoint_url": self.endpoint, "access_key": self.access_key,
                "secret_key": self.secret_key}

    def create_bucket(self, name):
        self.client().create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": self.region})
        return name

    def environment(self, endpoint=None):
        """The AWS variables the AWS SDK default chain (neo4j-admin, CloudSeedProvider) reads."""
        return {"AWS_ENDPOINT_URL_S3": endpoint or self.endpoint, "AWS_ACCESS_KEY_ID": self.access_key,
                "AWS_SECRET_ACCESS_KEY": self.secret_key, "AWS_REGION": self.region,
                "AWS_DEFAULT_REGION": self.region}

    def keys(self, bucket, prefix=""):
        """Every object key under ``prefix`` (complete objects only: what a reader can see)."""
        found = []
        for page in self.client().get_paginator("list_objects_v2").paginate(Bucket=bucket, Prefix=prefix):
            found += [item["Key"] for item in page.get("Contents", [])]
        return sorted(found)

    def pending_uploads(self, bucket):
        return self.client().list_multipart_uploads(Bucket=bucket).get("Uploads", [])


class CuttingProxy:
    """A TCP proxy to ``target`` (host, port) that, once a connection has sent more than ``budget`` bytes to the
    server, resets it (``mode="reset"``: small requests such as an abort still pass on new connections), or, once
    all connections together have sent more than ``budget``, stops forwarding anything and holds every connection
    open (``mode="stall"``: a client that hangs mid-upload).  ``rate`` (bytes per second) slows what clients send
    to it, for a long upload (with a budget that is never reached, nothing is cut)."""

    def __init__(self, target, budget, mode="reset", rate=None):
        self.target = target
        self.budget = budget
        self.mode = mode
        self.rate = rate
        self.cut = 0  # connections cut so far
        self.total = 0  # bytes sent to the server by every connection
        self._count = threading.Lock()
        self._listener = socket.socket()
        self._listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self._listener.bind(("127.0.0.1", 0))
        self._listener.listen(32)
        self.port = self._listener.getsockname()[1]
        self.endpoint = "http://127.0.0.1:%d" % self.port
        self._stop = threading.Event()
        self._sockets = []
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while not self._stop.is_set():
            try:
                client, _address = self._listener.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self._sockets += [client, upstream]
            threading.Thread(target=self._pipe, args=(client, upstream, True), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, False), daemon=True).start()

    def _pipe(self, source, sink, counted):
        sent = 0
        try:
            while True:
                data = source.recv(65536)
                if not data:
                    break
                if counted and self.mode == "stall":
                    with self._count:
                        over = self.total + len(data) > self.budget
                        if over:
                            self.cut += 1
                        else:
                            self.total += len(data)
                    if over:
                        self._stop.wait()
                        return
                elif counted and sent + len(data) > self.budget:
                    self.cut += 1
                    for sock in (source, sink):
                        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00")
                        sock.close()
                    return
                sent += len(data)
                if counted and self.rate:
                    time.sleep(len(data) / float(self.rate))
                sink.sendall(data)
        except OSError:
            pass
        finally:
            for sock in (source, sink):
                try:
                    sock.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def close(self):
        self._stop.set()
        self._listener.close()
        for sock in self._sockets:
            try:
                sock.close()
            except OSError:
                pass
