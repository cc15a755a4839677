"""TLS on the backup port: Neo4j's SSL policy ``dbms.ssl.policy.backup.*`` on the listener (``neo4j.conf``) and on the
backup client (``neo4j-admin.conf`` or ``--additional-config``).

Operations Manual, security/ssl-framework.adoc ("Configuration", "Configure SSL for backup communication",
"Configure the backup client for SSL"): the client uses the policy of the same name as the server; the settings
and their defaults are

* ``enabled`` (``false``), ``base_directory`` (``certificates/<scope>``), ``private_key`` (``private.key``),
  ``public_certificate`` (``public.crt``), ``trusted_dir`` (``trusted/``: "certificates of trusted parties"; with a CA,
  "the trusted_dir must contain only the CA or intermediate certificates"), ``revoked_dir`` (not modelled);
* ``client_auth``: ``REQUIRE`` for ``backup`` (mutual authentication), also ``OPTIONAL`` and ``NONE``;
* ``verify_hostname``: client-side host name verification, "In Neo4j 2025.01, the default value is changed from
  ``false`` to ``true``" (so off on 5.26 unless set);
* ``trust_all`` (``false``): every peer trusted, ``trusted_dir`` ignored.

A relative ``base_directory`` is taken under ``home`` (NEO4J_HOME); file settings are relative to the base directory.
What a real server or neo4j-admin prints when a handshake fails is not published: the simulator's words carry the
``[simulator]`` tag (``neo4j_admin.py``) and name the address and OpenSSL's reason.
"""

import os
import ssl
from dataclasses import dataclass

from . import versions

PREFIX = "dbms.ssl.policy.backup."
CLIENT_AUTH = {"REQUIRE": ssl.CERT_REQUIRED, "OPTIONAL": ssl.CERT_OPTIONAL, "NONE": ssl.CERT_NONE}
VERIFY_HOSTNAME_DEFAULT_TRUE = (2025, 1)


class PolicyError(Exception):
    """A policy that cannot be used (missing files, a bad value): Neo4j refuses to start with it."""


def _true(value, default):
    if value is None:
        return default
    return str(value).strip().lower() == "true"


@dataclass
class BackupSslPolicy:
    private_key: str
    public_certificate: str
    trusted_dir: str
    client_auth: str = "REQUIRE"
    verify_hostname: bool = True
    trust_all: bool = False

    def _trust(self, context):
        if self.trust_all:
            return
        names = sorted(os.listdir(self.trusted_dir)) if os.path.isdir(self.trusted_dir) else []
        if not names:
            raise PolicyError("%s holds no trusted certificate" % self.trusted_dir)
        for name in names:
            context.load_verify_locations(cafile=os.path.join(self.trusted_dir, name))

    def server_context(self):
        """The listener's side: its certificate, and the clients it accepts (client_auth)."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2  # tls_versions default: TLSv1.2, TLSv1.3
        context.load_cert_chain(self.public_certificate, self.private_key)
        context.verify_mode = ssl.CERT_NONE if self.trust_all else CLIENT_AUTH[self.client_auth]
        if context.verify_mode != ssl.CERT_NONE:
            self._trust(context)
        return context

    def client_context(self):
        """neo4j-admin's side: the server's certificate checked against trusted_dir, its own presented."""
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.check_hostname = bool(self.verify_hostname and not self.trust_all)
        if self.trust_all:
            context.verify_mode = ssl.CERT_NONE
        else:
            self._trust(context)
        if os.path.isfile(self.public_certificate):
            context.load_cert_chain(self.public_certificate, self.private_key)
        return context


def policy_from_settings(settings, home=".", version=versions.DEFAULT_VERSION):
    """The backup policy that ``settings`` (name -> value) configure, or None when it is not enabled."""
    own = {name[len(PREFIX):]: value for name, value in settings.items() if name.startswith(PREFIX)}
    if not _true(own.get("enabled"), False):
        return None
    base = own.get("base_directory") or os.path.join("certificates", "backup")
    if not os.path.isabs(base):
        base = os.path.join(home, base)

    def under_base(key, default):
        value = own.get(key) or default
        return value if os.path.isabs(value) else os.path.join(base, value)

    client_auth = (own.get("client_auth") or "REQUIRE").strip().upper()
    if client_auth not in CLIENT_AUTH:
        raise PolicyError("%sclient_auth: %s is not one of REQUIRE, OPTIONAL, NONE" % (PREFIX, client_auth))
    policy = BackupSslPolicy(
        private_key=under_base("private_key", "private.key"),
        public_certificate=under_base("public_certificate", "public.crt"),
        trusted_dir=under_base("trusted_dir", "trusted"), client_auth=client_auth,
        verify_hostname=_true(own.get("verify_hostname"), versions.at_least(version, VERIFY_HOSTNAME_DEFAULT_TRUE)),
        trust_all=_true(own.get("trust_all"), False))
    return policy


def read_settings(path):
    """``name=value`` lines of a neo4j.conf-style file (comments and blank lines skipped)."""
    settings = {}
    with open(path, encoding="utf-8") as handle:
        for line in handle:
            line = line.strip()
            if line and not line.startswith("#") and "=" in line:
                name, _sep, value = line.partition("=")
                settings[name.strip()] = value.strip()
    return settings
