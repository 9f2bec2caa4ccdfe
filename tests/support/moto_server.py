"""Runs moto in server mode on 127.0.0.1 for the project's tests and local runs.

Binds a free port (or the one given as the first argument), prints the port on a line of its
own once it accepts connections, and stops when its standard input closes: the process that
started it holds that pipe, so moto never outlives it.
"""
import sys

try:
    from moto.server import ThreadedMotoServer
except ImportError as error:  # pragma: no cover - reported to the Rust harness
    sys.stderr.write(f"MOTO_MISSING: {error}\n")
    sys.exit(3)


def main() -> None:
    port = int(sys.argv[1]) if len(sys.argv) > 1 else 0
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port, verbose=False)
    server.start()
    print(server.get_host_and_port()[1], flush=True)
    try:
        sys.stdin.read()
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()


if __name__ == "__main__":
    main()
