"""Runs moto in server mode on 127.0.0.1 for the project's tests and local runs.

Binds a free port on 127.0.0.1 (or the one given with --port, or as the first argument), prints
the port on a line of its own once it accepts connections, and stops when its standard input
closes: the process that started it holds that pipe, so moto never outlives it.

In a container (the backend of `sam local`, scripts/containers.py) it runs with --host 0.0.0.0
(the container's own interfaces) and --until-terminated: then it stops on SIGTERM or SIGINT, as
a container's main process does.

With --tls DIR it speaks only HTTPS: it makes a self-signed certificate for 127.0.0.1 and
localhost, writes it to DIR/ca.pem for clients to trust, and serves with it. The tests use this
to run the SDK's TLS stack (rustls on ring) against a real handshake.
"""
import argparse
import datetime
import ipaddress
import logging
import os
import signal
import ssl
import sys
import threading

try:
    from moto.moto_server.werkzeug_app import (
        DomainDispatcherApplication,
        MotoRequestHandler,
        create_backend_app,
    )
    from werkzeug.serving import make_server
except ImportError as error:  # pragma: no cover - reported to the Rust harness
    sys.stderr.write(f"MOTO_MISSING: {error}\n")
    sys.exit(3)


def self_signed_certificate(directory: str) -> ssl.SSLContext:
    """A P-256 key and a certificate naming 127.0.0.1 and localhost, valid for a day; the
    certificate is written to directory/ca.pem, and a server context using it is returned."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "moto on 127.0.0.1")])
    now = datetime.datetime.now(datetime.timezone.utc)
    certificate = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName(
                [x509.IPAddress(ipaddress.ip_address("127.0.0.1")), x509.DNSName("localhost")]
            ),
            critical=False,
        )
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .sign(key, hashes.SHA256())
    )
    os.makedirs(directory, exist_ok=True)
    certificate_path = os.path.join(directory, "ca.pem")
    key_path = os.path.join(directory, "key.pem")
    with open(key_path, "wb") as out:
        out.write(
            key.private_bytes(
                serialization.Encoding.PEM,
                serialization.PrivateFormat.PKCS8,
                serialization.NoEncryption(),
            )
        )
    with open(certificate_path, "wb") as out:
        out.write(certificate.public_bytes(serialization.Encoding.PEM))
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(certificate_path, key_path)
    return context


class OneDynamoDBRequestAtATime:
    """WSGI middleware: DynamoDB requests are handled one at a time. DynamoDB applies a
    conditional write atomically, but moto checks the condition and then writes, so two
    concurrent conditional puts of one key could both succeed; serialising DynamoDB requests
    restores the service's guarantee. Other services (SQS long polls) stay concurrent."""

    def __init__(self, app) -> None:
        self.app = app
        self.lock = threading.Lock()

    def __call__(self, environ, start_response):
        if environ.get("HTTP_X_AMZ_TARGET", "").startswith("DynamoDB_"):
            with self.lock:
                return list(self.app(environ, start_response))
        return self.app(environ, start_response)


def serve(host: str, port: int, ssl_context: ssl.SSLContext | None = None):
    server = make_server(
        host,
        port,
        OneDynamoDBRequestAtATime(DomainDispatcherApplication(create_backend_app)),
        threaded=True,
        request_handler=MotoRequestHandler,
        ssl_context=ssl_context,
    )
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    print(server.server_address[1], flush=True)
    return server


def serve_tls(port: int, directory: str) -> None:
    server = serve("127.0.0.1", port, self_signed_certificate(directory))
    wait_for_stdin_to_close()
    server.shutdown()


def serve_http(host: str, port: int, until_terminated: bool) -> None:
    server = serve(host, port)
    if until_terminated:
        wait_for_termination()
    else:
        wait_for_stdin_to_close()
    server.shutdown()


def wait_for_stdin_to_close() -> None:
    try:
        sys.stdin.read()
    except KeyboardInterrupt:
        pass


def wait_for_termination() -> None:
    stop = threading.Event()
    for signum in (signal.SIGTERM, signal.SIGINT):
        signal.signal(signum, lambda *_: stop.set())
    stop.wait()


def main() -> None:
    # Werkzeug logs every request to stderr. The harness reads stderr only when start-up fails,
    # so a long test run would fill the pipe and block moto: log errors only.
    logging.getLogger("werkzeug").setLevel(logging.ERROR)
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("port_argument", nargs="?", type=int, default=None)
    parser.add_argument("--port", type=int, default=0)
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (HTTP only)")
    parser.add_argument("--until-terminated", action="store_true", help="stop on SIGTERM, not on stdin")
    parser.add_argument("--tls", metavar="DIR", help="serve HTTPS on 127.0.0.1, writing DIR/ca.pem")
    args = parser.parse_args()
    port = args.port_argument if args.port_argument is not None else args.port
    if args.tls:
        serve_tls(port, args.tls)
    else:
        serve_http(args.host, port, args.until_terminated)


if __name__ == "__main__":
    main()
