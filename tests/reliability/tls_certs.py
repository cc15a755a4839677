"""Certificates for the security suite: a CA the test generates, and server certificates it signs (valid, for
another host name, expired, not yet valid), plus an unrelated CA for the "wrong CA" case.

``simulator.tls.self_signed_cert`` makes one self-signed certificate; a real deployment has a CA and leaf
certificates it signed, so the chain a client verifies here is CA -> server certificate, as Neo4j's SSL framework
expects (``dbms.ssl.policy.<scope>.trusted_dir`` holds the CA, ``public_certificate`` the server's own)."""

import datetime
import ipaddress
import os
from dataclasses import dataclass

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

DAY = datetime.timedelta(days=1)


@dataclass
class Authority:
    """A CA: its certificate file and the key that signs server certificates."""

    certfile: str
    cert: x509.Certificate
    key: ec.EllipticCurvePrivateKey


def _write(path, data):
    with open(path, "wb") as out:
        out.write(data)
    return path


def make_ca(directory, name="graphops security test CA"):
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)])
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number()).not_valid_before(now - DAY).not_valid_after(now + 30 * DAY)
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .sign(key, hashes.SHA256()))
    os.makedirs(directory, exist_ok=True)
    certfile = _write(os.path.join(directory, "ca.crt"), cert.public_bytes(serialization.Encoding.PEM))
    return Authority(certfile, cert, key)


def issue(ca, directory, hostname="127.0.0.1", valid_from=-1, valid_until=30):
    """A server certificate for ``hostname`` signed by ``ca``, valid from/until that many days from now;
    returns ``(certfile, keyfile)`` as ``Cluster(tls=...)`` takes them."""
    try:
        alt_name = x509.IPAddress(ipaddress.ip_address(hostname))
    except ValueError:
        alt_name = x509.DNSName(hostname)
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.timezone.utc)
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, hostname)]))
            .issuer_name(ca.cert.subject).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now + valid_from * DAY).not_valid_after(now + valid_until * DAY)
            .add_extension(x509.SubjectAlternativeName([alt_name]), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .sign(ca.key, hashes.SHA256()))
    os.makedirs(directory, exist_ok=True)
    certfile = _write(os.path.join(directory, "public.crt"), cert.public_bytes(serialization.Encoding.PEM))
    keyfile = _write(os.path.join(directory, "private.key"), key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return certfile, keyfile


@dataclass
class SecurityCerts:
    ca: str           # the CA that signed every server certificate below
    other_ca: str     # a CA that signed none of them
    valid: tuple      # for 127.0.0.1, valid now
    expired: tuple    # for 127.0.0.1, expired yesterday
    not_yet: tuple    # for 127.0.0.1, valid from tomorrow
    client: tuple     # a backup client's certificate, signed by ca
    stranger: tuple   # a backup client's certificate, signed by other_ca


def ssl_policy_dir(directory, cert, trusted_ca):
    """A folder laid out as Neo4j's SSL framework wants one (``base_directory``): ``public.crt``, ``private.key`` and
    ``trusted/`` holding ``trusted_ca``; returns its path."""
    directory = str(directory)
    os.makedirs(os.path.join(directory, "trusted"), exist_ok=True)
    for source, name in ((cert[0], "public.crt"), (cert[1], "private.key"), (trusted_ca, os.path.join("trusted", "ca.crt"))):
        with open(source, "rb") as handle:
            _write(os.path.join(directory, name), handle.read())
    return directory


def security_certs(directory):
    directory = str(directory)
    ca = make_ca(os.path.join(directory, "ca"))
    other = make_ca(os.path.join(directory, "other-ca"), name="some other CA")
    return SecurityCerts(
        ca=ca.certfile, other_ca=other.certfile,
        valid=issue(ca, os.path.join(directory, "valid")),
        expired=issue(ca, os.path.join(directory, "expired"), valid_from=-30, valid_until=-1),
        not_yet=issue(ca, os.path.join(directory, "not-yet"), valid_from=1, valid_until=30),
        client=issue(ca, os.path.join(directory, "client"), hostname="backup-client.example.com"),
        stranger=issue(other, os.path.join(directory, "stranger"), hostname="backup-client.example.com"))
