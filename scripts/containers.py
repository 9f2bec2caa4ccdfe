"""The container side of `sam local`: an engine, the images it needs, and moto on a network of its own.

Engine. Docker when `docker info` answers (DOCKER_HOST is respected). Otherwise podman, which
this module installs from Debian's packages (as root) and serves as a Docker-compatible API on a
socket of this checkout (.local-stack/podman.sock: SAM reaches it through DOCKER_HOST). Its
settings are .local-stack/containers.conf, selected with CONTAINERS_CONF so nothing in /etc
changes: runc (crun refuses hybrid cgroups), cgroupfs (no systemd), Lambda's own ulimits (podman's
defaults need CAP_SYS_RESOURCE), events to a file.

Images, built here from files of this machine, without any image registry:
- podman only: `public.ecr.aws/lambda/provided:al2023-<arch>`, the name SAM derives for
  `provided.al2023`: a minimal root filesystem (the glibc libraries a Rust binary links, the CA
  bundle, busybox as /bin/sh for the `RUN` of SAM's generated Dockerfile, /etc/passwd). With
  Docker, SAM pulls the real image instead.
- both engines: the moto image, the same kind of root filesystem with the shared libraries the
  project's Python needs; that Python, its standard library and .venv are mounted read-only, so
  the container runs the very moto the tests use.

Network. The function containers must reach moto without leaving the namespaces made here:
their 127.0.0.1 is their own, and the host's bridge address is out of bounds. So moto runs in
its own container on a network made here (NETWORK), and `sam local` joins each function
container to that network (`docker_network` in samconfig.toml), where moto is `moto`. Docker
resolves that name in the container itself (its embedded DNS on 127.0.0.11); under podman the
network has no DNS server (podman's would listen on the host's bridge address) and the name
comes from the containers' /etc/hosts (`base_hosts_file`), with 127.0.0.1 as their only
nameserver. moto's port is published on the machine's 127.0.0.1 only, for the tools here.
"""

from __future__ import annotations

import hashlib
import http.client
import json
import os
import platform
import shutil
import socket
import subprocess
import sys
import tarfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from local_stack import ROOT, STATE, say

NETWORK = "webhook-local"
MOTO_CONTAINER = "webhook-local-moto"
MOTO_HOST = "moto"
MOTO_PORT = 5000
PODMAN_PACKAGES = [
    "podman",
    "runc",
    "conmon",
    "uidmap",
    "containernetworking-plugins",
    "netavark",
    "iptables",
    "catatonit",
    "busybox-static",
]
# The glibc libraries a dynamically linked Rust binary (and the loader) may ask for.
GLIBC = [
    "libc.so.6",
    "libm.so.6",
    "libgcc_s.so.1",
    "libpthread.so.0",
    "libdl.so.2",
    "librt.so.1",
    "libresolv.so.2",
    "libnss_files.so.2",
    "libnss_dns.so.2",
]
LOADER = {"x86_64": "/lib64/ld-linux-x86-64.so.2", "arm64": "/lib/ld-linux-aarch64.so.1"}


class ContainerError(Exception):
    """Something the container set-up needs is missing or failed; the message says what."""


def machine_architecture() -> str:
    """The Lambda name of this machine's architecture: x86_64 or arm64."""
    machine = platform.machine()
    if machine in ("x86_64", "AMD64"):
        return "x86_64"
    if machine in ("aarch64", "arm64"):
        return "arm64"
    raise ContainerError(f"Lambda has no architecture for this machine ({machine})")


@dataclass
class Engine:
    """A running container engine: its command line and the environment SAM needs to reach it."""

    name: str
    env: dict[str, str]
    service: subprocess.Popen | None = None
    started: list[str] = field(default_factory=list)

    def command(self, *args: str, check: bool = True, stdin: bytes | None = None) -> str:
        result = subprocess.run(
            [self.name, *args], env=self.env, input=stdin, capture_output=True, check=False
        )
        if check and result.returncode != 0:
            raise ContainerError(
                f"`{self.name} {' '.join(args[:3])} …` failed: {result.stderr.decode(errors='replace').strip()}"
            )
        return result.stdout.decode(errors="replace").strip()

    def exists(self, kind: str, name: str) -> bool:
        return subprocess.run(
            [self.name, kind, "inspect", name], env=self.env, capture_output=True, check=False
        ).returncode == 0

    def stop(self) -> None:
        """Stops the podman service if this process started it."""
        if self.service and self.service.poll() is None:
            self.service.terminate()
            try:
                self.service.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.service.kill()


def engine() -> Engine:
    """Docker if one answers, else podman, installed and started here."""
    env = dict(os.environ)
    if shutil.which("docker") and _answers(["docker", "info"], env):
        say("container engine: Docker")
        return Engine("docker", env)
    return _podman()


def _answers(command: list[str], env: dict[str, str]) -> bool:
    try:
        return subprocess.run(command, env=env, capture_output=True, timeout=20, check=False).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


def _podman() -> Engine:
    if shutil.which("podman") is None or shutil.which("busybox") is None:
        if os.geteuid() != 0:
            raise ContainerError(
                "no Docker engine answers and podman is not installed; run this as root to let it "
                f"install podman from Debian's packages ({' '.join(PODMAN_PACKAGES)}), or start Docker"
            )
        say(f"installing podman from Debian's packages: {' '.join(PODMAN_PACKAGES)}")
        apt = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        for command in (
            ["apt-get", "update", "-qq"],
            ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *PODMAN_PACKAGES],
        ):
            if subprocess.run(command, env=apt, check=False).returncode != 0:
                raise ContainerError(f"`{' '.join(command)}` failed")
    if os.geteuid() != 0:
        raise ContainerError("podman here runs as root (its networks need it): run this as root")
    STATE.mkdir(exist_ok=True)
    hosts = STATE / "hosts"
    if not hosts.exists():
        hosts.write_text("127.0.0.1 localhost\n")
    conf = STATE / "containers.conf"
    conf.write_text(
        "# Written by scripts/containers.py for `sam local` under podman (CONTAINERS_CONF).\n"
        "[containers]\n"
        "# podman's defaults need CAP_SYS_RESOURCE; these are Lambda's own limits.\n"
        'default_ulimits = ["nofile=1024:1024", "nproc=1024:1024"]\n'
        "# Names come from this file (moto's address), never from a DNS server on the host.\n"
        f'base_hosts_file = "{hosts}"\n'
        'host_containers_internal_ip = "none"\n'
        'dns_servers = ["127.0.0.1"]\n'
        "[engine]\n"
        "# crun refuses hybrid cgroup set-ups; there is no systemd.\n"
        'runtime = "runc"\n'
        'cgroup_manager = "cgroupfs"\n'
        'events_logger = "file"\n'
        "[network]\n"
        'network_backend = "netavark"\n'
    )
    sock = STATE / "podman.sock"
    env = {**os.environ, "CONTAINERS_CONF": str(conf), "DOCKER_HOST": f"unix://{sock}"}
    result = Engine("podman", env)
    if _ping(sock):
        say(f"container engine: podman, already serving on {sock}")
        return result
    if sock.exists():
        sock.unlink()
    log = open(STATE / "podman-service.log", "ab")
    result.service = subprocess.Popen(
        ["podman", "system", "service", "--time=0", f"unix://{sock}"],
        env=env,
        stdout=log,
        stderr=log,
        start_new_session=True,
    )
    deadline = time.monotonic() + 30
    while not _ping(sock):
        if result.service.poll() is not None or time.monotonic() > deadline:
            result.stop()
            raise ContainerError(f"the podman service did not start; see {STATE / 'podman-service.log'}")
        time.sleep(0.2)
    say(f"container engine: podman (Docker API on {sock})")
    return result


class _UnixConnection(http.client.HTTPConnection):
    def __init__(self, path: Path) -> None:
        super().__init__("localhost", timeout=5)
        self.path = str(path)

    def connect(self) -> None:
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
        self.sock.settimeout(5)
        self.sock.connect(self.path)


def _ping(sock: Path) -> bool:
    if not sock.exists():
        return False
    connection = _UnixConnection(sock)
    try:
        connection.request("GET", "/_ping")
        return connection.getresponse().status == 200
    except OSError:
        return False
    finally:
        connection.close()


# --- Images ---------------------------------------------------------------------------------


def lambda_base_image(arch: str) -> str:
    """The image name SAM derives for `provided.al2023` on `arch`."""
    return f"public.ecr.aws/lambda/provided:al2023-{arch}"


def ensure_lambda_base_image(run: Engine, arch: str) -> None:
    """Under podman, builds the Lambda base image for this machine if it is missing."""
    name = lambda_base_image(arch)
    if run.name != "podman" or run.exists("image", name):
        return
    if arch != machine_architecture():
        raise ContainerError(f"{name} can only be built from this machine's own ({machine_architecture()}) libraries")
    say(f"building {name} from this machine's libraries (no registry)")
    rootfs = _base_rootfs("lambda-base")
    for directory in ("var/task", "var/runtime", "opt"):
        (rootfs / directory).mkdir(parents=True, exist_ok=True)
    _import(run, rootfs, name)


def moto_image(run: Engine) -> str:
    """The moto image for this checkout's Python and .venv, built if missing; its name."""
    python = _python_paths()
    digest = hashlib.sha256(json.dumps(python, sort_keys=True).encode()).hexdigest()[:12]
    name = f"localhost/webhook-local-moto:{digest}"
    if run.exists("image", name):
        return name
    say(f"building {name} (this machine's Python, its libraries, no registry)")
    rootfs = _base_rootfs("moto")
    binaries = [python["executable"]]
    for tree in (python["stdlib"], python["site_packages"]):
        binaries.extend(str(p) for p in Path(tree).rglob("*.so*") if p.is_file())
    for library in _shared_libraries(binaries):
        if not any(library.startswith(prefix + "/") for prefix in python["mounts"]):
            _place(rootfs, library)
    # The interpreter itself, with the links that lead to it from .venv/bin/python.
    _place(rootfs, str(ROOT / ".venv" / "bin" / "python"))
    _import(run, rootfs, name)
    return name


def _python_paths() -> dict:
    """Where .venv's Python lives: what the moto container mounts and needs libraries for."""
    venv_python = ROOT / ".venv" / "bin" / "python"
    if not venv_python.exists():
        raise ContainerError("no .venv: run `make venv` first")
    probe = (
        "import json, sys, sysconfig; "
        "print(json.dumps({'executable': sys._base_executable, 'base_prefix': sys.base_prefix, "
        "'stdlib': sysconfig.get_paths()['stdlib'], 'site_packages': sysconfig.get_paths()['purelib'], "
        "'version': sys.version}))"
    )
    found = json.loads(subprocess.run([str(venv_python), "-c", probe], capture_output=True, check=True, text=True).stdout)
    found["executable"] = os.path.realpath(found["executable"])
    found["mounts"] = sorted({os.path.realpath(found["stdlib"]), str(ROOT / ".venv")})
    return found


def _base_rootfs(purpose: str) -> Path:
    """A root filesystem with glibc, busybox as /bin/sh, the CA bundle and the usual /etc files."""
    rootfs = STATE / f"rootfs-{purpose}"
    if rootfs.exists():
        shutil.rmtree(rootfs)
    rootfs.mkdir(parents=True)
    arch = machine_architecture()
    _place(rootfs, LOADER[arch])
    for library in GLIBC:
        _place(rootfs, _library_path(library))
    busybox = shutil.which("busybox")
    if busybox is None:
        raise ContainerError("busybox is missing (Debian package busybox-static)")
    (rootfs / "bin").mkdir(exist_ok=True)
    shutil.copy2(busybox, rootfs / "bin" / "busybox")
    for applet in ("sh", "mv", "chmod", "cp", "rm", "mkdir", "ls", "cat"):
        os.symlink("busybox", rootfs / "bin" / applet)
    certificates = Path("/etc/ssl/certs/ca-certificates.crt")
    if certificates.exists():
        _place(rootfs, str(certificates))
    etc = rootfs / "etc"
    etc.mkdir(exist_ok=True)
    (etc / "passwd").write_text("root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534::/:/bin/sh\n")
    (etc / "group").write_text("root:x:0:\nnobody:x:65534:\n")
    (etc / "nsswitch.conf").write_text("hosts: files dns\n")
    tmp = rootfs / "tmp"
    tmp.mkdir(exist_ok=True)
    tmp.chmod(0o1777)
    return rootfs


def _library_path(name: str) -> str:
    """Where the dynamic loader finds library `name` for this machine's architecture."""
    wanted = {"x86_64": "x86-64", "arm64": "AArch64"}[machine_architecture()]
    listing = subprocess.run(["ldconfig", "-p"], capture_output=True, text=True, check=True).stdout
    for line in listing.splitlines():
        line = line.strip()
        if line.startswith(name + " ") and wanted in line:
            return line.rsplit("=> ", 1)[1]
    raise ContainerError(f"{name} not found by `ldconfig -p`")


def _shared_libraries(files: list[str]) -> set[str]:
    """Every shared library `files` load, as `ldd` resolves them on this machine."""
    found: set[str] = set()
    for start in range(0, len(files), 200):
        result = subprocess.run(["ldd", *files[start : start + 200]], capture_output=True, text=True, check=False)
        for line in result.stdout.splitlines():
            line = line.strip()
            if "=> /" in line:
                found.add(line.split("=> ", 1)[1].split(" (", 1)[0])
            elif line.startswith("/") and " (0x" in line:
                found.add(line.split(" (", 1)[0])
    return found


def _place(rootfs: Path, path: str) -> None:
    """Copies `path` into `rootfs` at the same place, recreating each symbolic link on the way, so
    that a path like /lib64/ld-linux-x86-64.so.2 resolves in the image as it does here."""
    parts = Path(path).parts
    current = Path("/")
    for index, part in enumerate(parts[1:], start=1):
        current = current / part
        if current.is_symlink():
            inside = rootfs / current.relative_to("/")
            target = os.readlink(current)
            if not os.path.lexists(inside):
                inside.parent.mkdir(parents=True, exist_ok=True)
                os.symlink(target, inside)
            resolved = os.path.normpath(os.path.join(current.parent, target))
            _place(rootfs, os.path.join(resolved, *parts[index + 1 :]))
            return
    inside = rootfs / Path(path).relative_to("/")
    if Path(path).is_dir():
        inside.mkdir(parents=True, exist_ok=True)
    elif not inside.exists():
        inside.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(path, inside)


def _import(run: Engine, rootfs: Path, name: str) -> None:
    archive = STATE / f"{rootfs.name}.tar"
    with tarfile.open(archive, "w") as tar:
        for entry in sorted(rootfs.iterdir()):
            tar.add(entry, arcname=entry.name)
    run.command("import", str(archive), name)
    archive.unlink()
    shutil.rmtree(rootfs)


# --- moto on its own network ----------------------------------------------------------------


@dataclass
class Backend:
    """moto in its container: `endpoint` is how this machine reaches it (127.0.0.1)."""

    run: Engine
    endpoint: str
    created_network: bool

    def stop(self) -> None:
        self.run.command("rm", "--force", MOTO_CONTAINER, check=False)
        if self.created_network:
            self.run.command("network", "rm", NETWORK, check=False)


def start_backend(run: Engine, host_port: int) -> Backend:
    """Starts moto on NETWORK (made here if missing), published on 127.0.0.1:`host_port`."""
    if run.exists("container", MOTO_CONTAINER):
        state = run.command("inspect", "--format", "{{.State.Status}}", MOTO_CONTAINER)
        if state == "running":
            raise ContainerError(
                f"container {MOTO_CONTAINER} is already running (a `make sam-backend` elsewhere?): stop it first"
            )
        run.command("rm", "--force", MOTO_CONTAINER)
    created_network = False
    if not run.exists("network", NETWORK):
        args = ["network", "create"]
        if run.name == "podman":
            args.append("--disable-dns")
        run.command(*args, NETWORK)
        created_network = True
    image = moto_image(run)
    python = _python_paths()
    mounts: list[str] = []
    for path in python["mounts"]:
        mounts += ["--volume", f"{path}:{path}:ro"]
    script = ROOT / "tests" / "support" / "moto_server.py"
    mounts += ["--volume", f"{script}:/moto_server.py:ro"]
    alias = ["--network-alias", MOTO_HOST] if run.name == "docker" else []
    run.command(
        "run",
        "--detach",
        "--name",
        MOTO_CONTAINER,
        "--network",
        NETWORK,
        *alias,
        "--publish",
        f"127.0.0.1:{host_port}:{MOTO_PORT}",
        *mounts,
        image,
        str(ROOT / ".venv" / "bin" / "python"),
        "/moto_server.py",
        "--host",
        "0.0.0.0",
        "--port",
        str(MOTO_PORT),
        "--until-terminated",
    )
    backend = Backend(run, f"http://127.0.0.1:{host_port}", created_network)
    if run.name == "podman":
        address = run.command(
            "inspect", "--format", f'{{{{(index .NetworkSettings.Networks "{NETWORK}").IPAddress}}}}', MOTO_CONTAINER
        )
        (STATE / "hosts").write_text(f"127.0.0.1 localhost\n{address} {MOTO_HOST}\n")
    deadline = time.monotonic() + 60
    while not _http_answers(backend.endpoint):
        if time.monotonic() > deadline:
            logs = run.command("logs", MOTO_CONTAINER, check=False)
            backend.stop()
            raise ContainerError(f"moto did not answer on {backend.endpoint} within 60 s:\n{logs}")
        time.sleep(0.3)
    return backend


def _http_answers(endpoint: str) -> bool:
    host, port = endpoint.removeprefix("http://").split(":")
    try:
        connection = http.client.HTTPConnection(host, int(port), timeout=2)
        connection.request("GET", "/moto-api/")
        connection.getresponse().read()
        return True
    except OSError:
        return False


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


if __name__ == "__main__":  # pragma: no cover - a module, run by local_stack.py and sam_local.py
    sys.exit("scripts/containers.py is used by scripts/sam_local.py; see `make sam-local`")
