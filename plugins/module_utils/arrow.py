# -*- coding: utf-8 -*-
# Copyright (c) graphops.neo4j contributors
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""A client for the Neo4j GDS Arrow Flight server, protocol v1 (database import).

No Ansible imports: the module layer turns :class:`ArrowError` into ``fail_json``.

``GdsArrowClient(host, port, username, password, tls=False, ca_file=None, validate_certs=True,
check_hostname=True, deadline=None)``
    ``connect()`` checks the TLS handshake first (``tls_check``), authenticates (Basic -> Bearer token)
    and checks that the server speaks ``v1``;
    ``action(name, body)`` sends ``v1/<name>`` and returns its single JSON result;
    ``create_database``, ``node_load_done``, ``relationship_load_done``, ``abort``;
    ``put_batches(name, entity_type, batches, concurrency, common_labels)`` streams
    ``(schema, RecordBatch)`` pairs over ``concurrency`` parallel ``do_put`` streams, reading one
    ack per batch, and returns ``(rows, bytes)``.

Expired tokens are renewed transparently: a call rejected as UNAUTHENTICATED authenticates again
and is retried once (a put stream only while none of its batches has been acknowledged).
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import socket
import ssl
import threading
import time
import traceback

from .readahead import ReadAhead

try:
    import pyarrow as pa
    from pyarrow import flight
    HAS_PYARROW = True
    PYARROW_IMPORT_ERROR = None
except ImportError:  # pragma: no cover - exercised by the sanity import test
    pa = None
    flight = None
    HAS_PYARROW = False
    PYARROW_IMPORT_ERROR = traceback.format_exc()

DEFAULT_ARROW_PORT = 8491
ABORT_TIMEOUT = 60.0
VERSION = "v1"
# Batches of each entity type decoded before their phase starts (on top of each file's own read-ahead).
PREFETCH_BATCHES = 1


class ArrowError(Exception):
    """A failure of an Arrow call; ``kind`` is one of already_exists, not_found, invalid,
    unauthenticated, unavailable, timeout, cancelled, not_implemented, internal, protocol."""

    def __init__(self, msg, kind="internal"):
        super(ArrowError, self).__init__(msg)
        self.msg = msg
        self.kind = kind


_DETAIL = re.compile(r"\.?\s*(Detail: |gRPC client debug context:).*$", re.S)
_GRPC_PREFIX = re.compile(r"^.*?gRPC returned [a-z ]+ error, with message: ", re.S)


def clean_message(exc):
    """The server's own words, without gRPC/pyarrow prefixes, tracebacks or debug context."""
    text = str(exc)
    text = _GRPC_PREFIX.sub("", text)
    text = text.replace("Flight returned unimplemented error, with message: ", "")
    text = _DETAIL.sub("", text).strip()
    if len(text) > 1 and text[0] == text[-1] and text[0] in "'\"":
        text = text[1:-1]  # KeyError repr
    text = re.sub(r"^(org\.apache\.arrow\.flight\.)?FlightRuntimeException: ", "", text)
    return text.rstrip(".") + "." if text else type(exc).__name__


def classify(exc):
    """Map a pyarrow / gRPC exception to an :class:`ArrowError`."""
    if isinstance(exc, ArrowError):
        return exc
    msg = clean_message(exc)
    raw = str(exc)
    if flight is not None:
        if isinstance(exc, flight.FlightUnauthenticatedError):
            return ArrowError(msg, "unauthenticated")
        if isinstance(exc, flight.FlightUnauthorizedError):
            return ArrowError(msg, "unauthenticated")
        if isinstance(exc, flight.FlightTimedOutError) or "Deadline Exceeded" in raw:
            return ArrowError(msg, "timeout")
        if isinstance(exc, flight.FlightUnavailableError):
            return ArrowError(msg, "unavailable")
        if isinstance(exc, flight.FlightCancelledError):
            return ArrowError(msg, "cancelled")
    lowered = raw.lower()
    if "already exists" in lowered or "already running" in lowered:
        return ArrowError(msg, "already_exists")
    if "no arrow process" in lowered or (pa is not None and isinstance(exc, pa.ArrowKeyError)):
        return ArrowError(msg, "not_found")
    if pa is not None and isinstance(exc, pa.ArrowNotImplementedError):
        return ArrowError(msg, "not_implemented")
    if pa is not None and isinstance(exc, pa.ArrowInvalid):
        return ArrowError(msg, "invalid")
    if isinstance(exc, (OSError, EOFError)):
        return ArrowError(msg, "unavailable")
    return ArrowError(msg, "internal")


class GdsArrowClient:
    """One authenticated connection to a GDS Arrow Flight endpoint."""

    def __init__(self, host, port=DEFAULT_ARROW_PORT, username=None, password=None, tls=False, ca_file=None,
                 validate_certs=True, deadline=None, connect_timeout=30.0, check_hostname=True):
        if not HAS_PYARROW:
            raise ArrowError("pyarrow is required for Arrow Flight", "not_implemented")
        self.host = host
        self.port = int(port)
        self.username = username
        self.password = password
        self.tls = tls
        self.ca_file = ca_file
        self.validate_certs = validate_certs
        self.check_hostname = check_hostname
        self.deadline = deadline  # time.monotonic() after which every call times out
        self.connect_timeout = connect_timeout
        self.location = "%s://%s:%d" % ("grpc+tls" if tls else "grpc+tcp", _host(host), self.port)
        self._client = None
        self._headers = []
        self._auth_lock = threading.Lock()
        self._generation = 0
        self.on_rows = None  # called with the rows of every acknowledged batch (progress), from any stream

    # ----- connection and auth ------------------------------------------------------------

    def connect(self):
        kwargs = {}
        self._probe()
        if self.tls:
            if self.ca_file:
                try:
                    with open(self.ca_file, "rb") as handle:
                        kwargs["tls_root_certs"] = handle.read()
                except OSError as exc:
                    raise ArrowError("arrow_ca_file: cannot read '%s': %s" % (self.ca_file, exc), "invalid")
            # gRPC reports every failed handshake as "Could not finish writing before closing": check it with
            # Python's ssl first, so the message can name the cause.
            override = tls_check(self.host, self.port, self.ca_file, self.validate_certs, self.check_hostname,
                                 self._timeout(self.connect_timeout))
            if not self.validate_certs:
                kwargs["disable_server_verification"] = True
            elif override:
                # check_hostname=false: gRPC still verifies the chain, against a name the certificate holds.
                kwargs["override_hostname"] = override
        try:
            self._client = flight.FlightClient(self.location, **kwargs)
        except Exception as exc:
            raise ArrowError("Cannot open an Arrow Flight connection to %s: %s" % (self.location, clean_message(exc)),
                             "unavailable")
        self._authenticate(self._generation)
        self._check_version()
        return self

    def _probe(self):
        """A plain TCP connect first: gRPC reports a refused port in obscure words."""
        try:
            sock = socket.create_connection((self.host, self.port), timeout=self._timeout(self.connect_timeout))
            sock.close()
        except OSError as exc:
            reason = exc.strerror or str(exc) or type(exc).__name__
            if isinstance(exc, socket.timeout):
                reason = "no answer within %s s" % self.connect_timeout
            raise ArrowError("Could not reach the GDS Arrow Flight server at %s: %s. Check that gds.arrow.enabled=true, "
                             "the listen address and the port." % (self.location, reason), "unavailable")

    def close(self):
        if self._client is not None:
            try:
                self._client.close()
            except Exception:  # closing a broken channel must not hide the original error
                pass
            self._client = None

    def __enter__(self):
        return self.connect()

    def __exit__(self, *exc_info):
        self.close()

    def _authenticate(self, generation):
        """Basic handshake -> bearer header; only one thread renews per token generation."""
        with self._auth_lock:
            if generation != self._generation:
                return  # another thread already renewed it
            try:
                header = self._client.authenticate_basic_token(
                    self.username or "", self.password or "", flight.FlightCallOptions(timeout=self._auth_timeout()))
            except Exception as exc:
                err = classify(exc)
                if err.kind == "unauthenticated":
                    raise ArrowError("Arrow Flight authentication failed at %s for user '%s': %s"
                                     % (self.location, self.username, err.msg), "unauthenticated")
                if not self.tls and speaks_tls(self.host, self.port, self.connect_timeout):
                    raise ArrowError("Could not talk to the GDS Arrow Flight server at %s: client not using TLS: the "
                                     "server encrypts Arrow Flight (TLS), set arrow_tls: true." % self.location,
                                     "unavailable")
                hint = (" If the server encrypts Arrow (TLS), set arrow_tls." if not self.tls else
                        " Check the certificate (arrow_ca_file, validate_certs) and that the server uses TLS.")
                raise ArrowError("Could not talk to the GDS Arrow Flight server at %s: %s%s" % (self.location, err.msg, hint),
                                 err.kind)
            self._headers = [header] if header and header[0] else []
            self._generation += 1

    def _auth_timeout(self):
        """Connecting obeys the deadline; a renewal after it (for the ABORT) gets connect_timeout."""
        if self._generation and self.deadline is not None and self.deadline <= time.monotonic():
            return self.connect_timeout
        return self._timeout(self.connect_timeout)

    def _timeout(self, default=None):
        if self.deadline is None:
            return default
        remaining = self.deadline - time.monotonic()
        if remaining <= 0:
            raise ArrowError("Timed out: the time allowed for the load is used up.", "timeout")
        return remaining if default is None else min(default, remaining)

    def options(self):
        return flight.FlightCallOptions(headers=list(self._headers), timeout=self._timeout())

    def _with_renewal(self, call):
        """Run ``call()``; on UNAUTHENTICATED renew the token once and run it again."""
        generation = self._generation
        try:
            return call()
        except Exception as exc:
            err = classify(exc)
            if err.kind != "unauthenticated":
                raise err
        self._authenticate(generation)
        try:
            return call()
        except Exception as exc:
            raise classify(exc)

    def _check_version(self):
        actions = self.list_actions()
        versions = set(a.split("/")[0].lower() for a in actions if "/" in a)
        if VERSION not in versions:
            raise ArrowError("The Arrow Flight server at %s does not support protocol %s (actions: %s); "
                             "GDS 2.6 or later is needed." % (self.location, VERSION, ", ".join(sorted(actions))),
                             "not_implemented")

    # ----- actions -------------------------------------------------------------------------

    def list_actions(self):
        return self._with_renewal(lambda: [a.type for a in self._client.list_actions(self.options())])

    def action(self, name, body, timeout=None):
        """``v1/<name>`` with a JSON body; ``timeout`` (seconds) replaces the load's deadline for this call."""
        payload = json.dumps(body).encode("utf-8")

        def call():
            options = self.options() if timeout is None else flight.FlightCallOptions(headers=list(self._headers),
                                                                                      timeout=timeout)
            return list(self._client.do_action(flight.Action("%s/%s" % (VERSION, name), payload), options))

        results = self._with_renewal(call)
        if len(results) != 1:
            raise ArrowError("%s/%s returned %d results, expected exactly one." % (VERSION, name, len(results)), "protocol")
        try:
            return json.loads(results[0].body.to_pybytes().decode("utf-8"))
        except ValueError as exc:
            raise ArrowError("%s/%s returned a result that is not JSON: %s" % (VERSION, name, exc), "protocol")

    def create_database(self, name, id_type="INTEGER", concurrency=None, force=False, id_property=None,
                        db_format=None, high_io=False, use_bad_collector=False):
        body = dict(name=name, id_type=id_type, force=bool(force), high_io=bool(high_io),
                    use_bad_collector=bool(use_bad_collector))
        if concurrency:
            body["concurrency"] = int(concurrency)
        if id_property:
            body["id_property"] = id_property
        if db_format:
            body["db_format"] = db_format
        return self.action("CREATE_DATABASE", body)

    def node_load_done(self, name):
        return self.action("NODE_LOAD_DONE", dict(name=name))

    def relationship_load_done(self, name):
        return self.action("RELATIONSHIP_LOAD_DONE", dict(name=name))

    def abort(self, name):
        """Abort the import; True if the server had one, False if it had none.  Never raises
        for a missing process (the server may have aborted it already)."""
        try:
            # Not bound by the load's deadline: cleaning up after a timeout is exactly when it is needed.
            self.action("ABORT", dict(name=name), timeout=ABORT_TIMEOUT)
            return True
        except ArrowError as err:
            if err.kind == "not_found":
                return False
            raise

    # ----- puts ----------------------------------------------------------------------------

    def descriptor(self, name, entity_type, common_labels=None):
        body = dict(name=name, entity_type=entity_type)
        if common_labels:
            body["common_labels"] = list(common_labels)
        command = dict(name="PUT_COMMAND", version=VERSION, body=body)
        return flight.FlightDescriptor.for_command(json.dumps(command).encode("utf-8"))

    def put_batches(self, name, entity_type, batches, concurrency=1, common_labels=None):
        """Stream ``(schema, batch)`` pairs from the iterable ``batches`` over ``concurrency`` parallel
        ``do_put`` streams.  Returns ``(rows, bytes)`` as acknowledged by the server.

        ``batches`` is read on a thread of its own, up to ``concurrency`` batches ahead of the streams, so reading
        and decoding the files overlaps sending them and no stream waits while another reads."""
        workers = max(1, int(concurrency or 1))
        source = ReadAhead(batches, depth=workers)
        totals = dict(rows=0, bytes=0)
        lock = threading.Lock()
        failures = []

        def worker():
            try:
                rows, size = self._stream(name, entity_type, source, common_labels)
                with lock:
                    totals["rows"] += rows
                    totals["bytes"] += size
            except BaseException as exc:  # pylint: disable=broad-except
                failures.append(exc)
                source.stop()

        try:
            if workers == 1:
                worker()
            else:
                threads = [threading.Thread(target=worker, name="arrow-put-%d" % i, daemon=True) for i in range(workers)]
                for thread in threads:
                    thread.start()
                for thread in threads:
                    thread.join()
        finally:
            source.stop()
        if source.error is not None:  # the files failed first; the streams only ran out of batches
            failures.insert(0, source.error)
        if failures:
            first = failures[0]
            if isinstance(first, (ArrowError, KeyboardInterrupt)) or not isinstance(first, Exception):
                raise first
            if getattr(first, "arrow_source_error", False):
                raise first
            raise classify(first)
        return totals["rows"], totals["bytes"]

    def _stream(self, name, entity_type, source, common_labels):
        """One do_put stream; a new stream is opened when the schema changes."""
        rows = size = 0
        writer = reader = schema = None
        acked_in_stream = 0
        try:
            while True:
                item = source.next()
                if item is None:
                    break
                batch_schema, batch = item
                if writer is None or batch_schema != schema:
                    if writer is not None:
                        _finish(writer)
                    schema = batch_schema
                    writer, reader = self._open_put(name, entity_type, schema, common_labels)
                    acked_in_stream = 0
                try:
                    imported = _write_and_ack(writer, reader, batch)
                except Exception as exc:
                    err = classify(exc)
                    if err.kind != "unauthenticated" or acked_in_stream:
                        raise err
                    # The token expired before this stream was accepted: renew and send it again.
                    _close_quietly(writer)
                    self._authenticate(self._generation)
                    writer, reader = self._open_put(name, entity_type, schema, common_labels)
                    imported = _write_and_ack(writer, reader, batch)
                acked_in_stream += batch.num_rows
                if imported is not None and imported != acked_in_stream:
                    raise ArrowError("The server acknowledged %d rows on a stream that sent %d." % (imported, acked_in_stream),
                                     "protocol")
                rows += batch.num_rows
                size += batch.nbytes
                if self.on_rows is not None:
                    self.on_rows(batch.num_rows)
            if writer is not None:
                _finish(writer)
                writer = None
        finally:
            if writer is not None:
                _close_quietly(writer)
        return rows, size

    def _open_put(self, name, entity_type, schema, common_labels):
        descriptor = self.descriptor(name, entity_type, common_labels)
        return self._with_renewal(lambda: self._client.do_put(descriptor, schema, self.options()))


def _write_and_ack(writer, reader, batch):
    writer.write_batch(batch)
    buf = reader.read()
    if buf is None:
        # The server ended the stream: closing it surfaces the status it ended it with.
        try:
            writer.close()
        except Exception as exc:
            raise classify(exc)
        raise ArrowError("The server closed the stream without acknowledging a batch.", "unavailable")
    try:
        return int(json.loads(buf.to_pybytes().decode("utf-8")).get("imported"))
    except (ValueError, TypeError, AttributeError):
        return None


def _finish(writer):
    writer.done_writing()
    writer.close()


def _close_quietly(writer):
    try:
        writer.close()
    except Exception:  # the stream is already broken; the first error is what matters
        pass


# OpenSSL's X509_V_ERR_HOSTNAME_MISMATCH and X509_V_ERR_IP_ADDRESS_MISMATCH (ssl.SSLCertVerificationError.verify_code).
_NAME_MISMATCH = (62, 64)
# X509_V_ERR_CERT_NOT_YET_VALID, X509_V_ERR_CERT_HAS_EXPIRED: the CA is right, the dates are not.
_OUT_OF_DATE = (9, 10)


def _handshake(host, port, context, timeout):
    """One TLS handshake; returns the server certificate as ``SSLSocket.getpeercert()`` gives it."""
    sock = socket.create_connection((host, port), timeout=timeout)
    try:
        # Python sends no SNI for an IP address and matches it against the certificate's IP entries.
        with context.wrap_socket(sock, server_hostname=host) as tls:
            return tls.getpeercert()
    finally:
        sock.close()


def certificate_names(cert):
    """The DNS names and IP addresses a certificate is for (subjectAltName, else its commonName)."""
    names = [value for kind, value in cert.get("subjectAltName", ()) if kind in ("DNS", "IP Address")]
    if not names:
        names = [value for rdn in cert.get("subject", ()) for key, value in rdn if key == "commonName"]
    return names


def tls_check(host, port, ca_file=None, validate_certs=True, check_hostname=True, timeout=30.0):
    """Check the TLS handshake with the Arrow server using Python's ssl, so a failure names its cause
    (gRPC reports them all alike).  Returns the name to give gRPC as ``override_hostname`` when
    ``check_hostname`` is false: one the certificate holds, so the chain is still verified.

    The checks follow how Neo4j drivers treat ``trusted_ca_file``/``validate_certs``/``check_hostname``: the
    chain is verified against ``ca_file`` (else the system CAs) unless ``validate_certs`` is false; the host
    name is compared with the certificate unless ``check_hostname`` is false.
    """
    where = "%s:%d" % (_host(host), port)
    context = ssl.create_default_context() if validate_certs else ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = bool(validate_certs and check_hostname)
    if not validate_certs:
        context.verify_mode = ssl.CERT_NONE
    elif ca_file:
        try:
            context.load_verify_locations(cafile=ca_file)
        except (OSError, ssl.SSLError) as exc:
            raise ArrowError("arrow_ca_file: cannot load '%s' as PEM CA certificates: %s" % (ca_file, exc), "invalid")
    try:
        cert = _handshake(host, port, context, timeout)
    except ssl.SSLCertVerificationError as exc:
        if exc.verify_code in _NAME_MISMATCH:
            names = _peer_names(host, port, ca_file, timeout)
            raise ArrowError(
                "TLS with the GDS Arrow Flight server at %s failed: hostname mismatch: the certificate is for %s, not "
                "'%s'. Set arrow_host to one of those names, or check_hostname: false to verify the certificate "
                "without its name." % (where, ", ".join("'%s'" % n for n in names) or "other names", host),
                "unavailable")
        if exc.verify_code in _OUT_OF_DATE:
            raise ArrowError(
                "TLS with the GDS Arrow Flight server at %s failed: the server's certificate is outside its validity "
                "period (%s). Renew it on the server, or check the clocks of both machines."
                % (where, exc.verify_message or exc.reason or exc), "unavailable")
        raise ArrowError(
            "TLS with the GDS Arrow Flight server at %s failed: certificate not trusted (%s). Give the CA that signed "
            "it in arrow_ca_file (default: trusted_ca_file, else the system CAs), or set validate_certs: false."
            % (where, exc.verify_message or exc.reason or exc), "unavailable")
    except (ssl.SSLError, ConnectionResetError, EOFError) as exc:
        raise ArrowError(
            "TLS with the GDS Arrow Flight server at %s failed: server not speaking TLS (%s). The server does not "
            "encrypt Arrow Flight: unset arrow_tls, or configure TLS on the server (dbms.ssl.policy.https or "
            "dbms.ssl.policy.bolt, without gds.arrow.encryption.never)." % (where, getattr(exc, "reason", None) or exc),
            "unavailable")
    except OSError as exc:
        raise ArrowError("Could not reach the GDS Arrow Flight server at %s: %s." % (where, exc.strerror or exc),
                         "unavailable")
    if validate_certs and not check_hostname:
        names = certificate_names(cert)
        return names[0] if names else None
    return None


def _peer_names(host, port, ca_file, timeout):
    """The names of a certificate whose chain verified but whose name did not match."""
    context = ssl.create_default_context(cafile=ca_file) if ca_file else ssl.create_default_context()
    context.check_hostname = False
    try:
        return certificate_names(_handshake(host, port, context, timeout))
    except (OSError, ssl.SSLError):
        return []


def speaks_tls(host, port, timeout=5.0):
    """Whether the server completes a TLS handshake (any certificate): tells "client not using TLS" apart."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    try:
        _handshake(host, port, context, timeout)
        return True
    except (OSError, ssl.SSLError, EOFError):
        return False


def _host(host):
    return "[%s]" % host if ":" in host and not host.startswith("[") else host


def parse_address(text, default_port=DEFAULT_ARROW_PORT):
    """``host:port`` (or ``[v6]:port``, or a bare host) -> (host, port)."""
    text = (text or "").strip()
    match = re.match(r"^(?:[a-z+]+://)?(?:\[(?P<v6>[^\]]+)\]|(?P<host>[^:/]+))(?::(?P<port>\d+))?/?$", text)
    if not match:
        raise ArrowError("'%s' is not a host:port address." % text, "invalid")
    host = match.group("v6") or match.group("host")
    if host in ("0.0.0.0", "::"):
        host = None  # a wildcard listen address: the caller substitutes the Bolt host
    return host, int(match.group("port") or default_port)


def import_database(client, name, node_batches, relationship_batches, concurrency=1, id_type="INTEGER",
                    force=False, server_concurrency=None, progress=None, totals=(None, None), **create_options):
    """The whole v1 database import: CREATE_DATABASE, node puts, NODE_LOAD_DONE, relationship puts,
    RELATIONSHIP_LOAD_DONE.  ``*_batches`` yield ``(schema, batch, common_labels)``; ``create_options``
    (``id_property``, ``db_format``, ``high_io``) go into the CREATE_DATABASE body.

    Any failure after CREATE_DATABASE succeeded (bad data, lost stream, server error, timeout,
    interruption) aborts the import so nothing is left on the server, then re-raises.  Returns a
    dict with the server's counts, the rows and bytes sent and the time taken.

    ``progress`` (a ``progress.Reporter``) hears of each phase and of every batch the server acknowledged;
    ``totals`` are the node and relationship rows to send, when known.
    """
    started = time.monotonic()
    # The files are decoded ahead of their phase, on threads of their own, a bounded number of batches ahead: the
    # first node batches while CREATE_DATABASE is answered, and the first relationship batches once every node
    # batch has been read, while the last ones are sent and NODE_LOAD_DONE is answered (GDS takes relationships
    # only after it, but nothing stops reading them).  Without this each phase began by decoding its first batch
    # while no stream had anything to send.  Reading the relationships only after the nodes keeps the two from
    # competing for the CPU while the nodes are read.
    readers = {}

    def nodes_then_relationships():
        yield from node_batches
        readers["relationship"] = ReadAhead(relationship_batches, depth=PREFETCH_BATCHES)

    readers["node"] = ReadAhead(nodes_then_relationships(), depth=PREFETCH_BATCHES)

    def relationships():
        # Set by the node reader before it reported its end; only missing when the node phase never finished.
        reader = readers.get("relationship") or readers.setdefault(
            "relationship", ReadAhead(relationship_batches, depth=PREFETCH_BATCHES))
        return reader.items()

    try:
        return _import(client, name, readers["node"].items(), relationships, concurrency, id_type, force,
                       server_concurrency, progress, totals, started, create_options)
    finally:
        for reader in list(readers.values()):
            reader.stop()


def _import(client, name, node_batches, relationship_batches, concurrency, id_type, force, server_concurrency,
            progress, totals, started, create_options):
    client.create_database(name, id_type=id_type.upper(), concurrency=server_concurrency, force=force,
                           **create_options)
    stats = dict(name=name, node_count=0, relationship_count=0, nodes_sent=0, relationships_sent=0, bytes_sent=0)
    if progress is not None:
        client.on_rows = progress.add
    try:
        if progress is not None:
            progress.phase("sending nodes", totals[0])
        rows, size = _put_grouped(client, name, "node", node_batches, concurrency)
        stats["nodes_sent"], stats["bytes_sent"] = rows, stats["bytes_sent"] + size
        done = client.node_load_done(name)
        stats["node_count"] = int(done.get("node_count", rows))
        if progress is not None:
            progress.phase("sending relationships", totals[1])
        rows, size = _put_grouped(client, name, "relationship", relationship_batches(), concurrency)
        stats["relationships_sent"], stats["bytes_sent"] = rows, stats["bytes_sent"] + size
        if progress is not None:
            progress.phase("building the database (RELATIONSHIP_LOAD_DONE)", unit=None)
        done = client.relationship_load_done(name)
        stats["relationship_count"] = int(done.get("relationship_count", rows))
    except BaseException as exc:
        stats["abort"] = _abort_quietly(client, name)
        try:
            exc.abort_status = stats["abort"]
        except AttributeError:  # some builtin exceptions take no attributes
            pass
        if isinstance(exc, ArrowError) or getattr(exc, "arrow_source_error", False) or not isinstance(exc, Exception):
            raise
        raise classify(exc)
    stats["seconds"] = time.monotonic() - started
    return stats


def _put_grouped(client, name, entity_type, items, concurrency):
    """Stream one entity type.  Batches carry their common labels; each run of batches with the same
    labels goes over its own set of streams (the descriptor names them), without buffering."""
    iterator = iter(items)
    head = next(iterator, None)
    total_rows = total_size = 0
    while head is not None:
        state = dict(head=head, next=None)
        labels = tuple(head[2] or ())
        rows, size = client.put_batches(name, entity_type, _run_of(iterator, state, labels), concurrency,
                                        list(labels) or None)
        total_rows += rows
        total_size += size
        head = state["next"]
    return total_rows, total_size


def _run_of(iterator, state, labels):
    first = state["head"]
    yield first[0], first[1]
    for schema, batch, common in iterator:
        if tuple(common or ()) != labels:
            state["next"] = (schema, batch, common)
            return
        yield schema, batch


def _abort_quietly(client, name):
    """Send ABORT; report what happened instead of hiding the original failure."""
    try:
        return "aborted" if client.abort(name) else "no import running"
    except Exception as exc:  # the original error matters more; say the abort failed
        return "abort failed: %s" % clean_message(exc)
