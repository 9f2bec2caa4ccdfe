#!/usr/bin/env python3
"""One arm64 function binary, run on this x86_64 machine as Lambda on Graviton would run it.

Builds `cyclesoftware` for arm64 with the toolchain `make build` uses (`cargo lambda build
--arm64`: the aarch64-unknown-linux-gnu Rust target, zig as the cross-linker), then runs it under
qemu-user, started by the arm64 Lambda Runtime Interface Emulator from the aws-sam-cli wheel (also
under qemu), against moto on 127.0.0.1 with the template's table and queues. A sample event must
be accepted, then answered as a duplicate, and land in the table and the queue once.

It builds the dev profile: the release profile's fat LTO of one more target would add minutes to
CI and prove nothing more about the cross toolchain or the binary on arm64 (`make build` builds
release; its time is in the README).

qemu-user and the arm64 C library come from Debian's packages (installed here as root). The
emulator exec's the function through a small host script that starts it under qemu, because
without binfmt_misc (a setting of the whole machine, not made here) the kernel cannot run an arm64
binary directly.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

from containers import ContainerError, free_port
from local_stack import EVENTS, ROOT, STATE, create_resources, queued_messages, say, stored_events, template, verdict

PACKAGES = ["qemu-user", "libc6-arm64-cross", "libgcc-s1-arm64-cross"]
SYSROOT = "/usr/aarch64-linux-gnu"
BINARY = "cyclesoftware"
FUNCTION = "CycleSoftwareFunction"
SAMPLE = EVENTS / "cyclesoftware" / "sales_order.updated.json"
ELF_MACHINE_AARCH64 = 183


def ensure_qemu() -> str:
    qemu = shutil.which("qemu-aarch64")
    if qemu and Path(SYSROOT, "lib", "ld-linux-aarch64.so.1").exists():
        return qemu
    if os.geteuid() != 0:
        raise ContainerError(f"qemu-user is missing: run this as root to install {' '.join(PACKAGES)}")
    say(f"installing from Debian's packages: {' '.join(PACKAGES)}")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    for command in (["apt-get", "update", "-qq"], ["apt-get", "install", "-y", "-qq", "--no-install-recommends", *PACKAGES]):
        if subprocess.run(command, env=env, check=False).returncode != 0:
            raise ContainerError(f"`{' '.join(command)}` failed")
    qemu = shutil.which("qemu-aarch64")
    if qemu is None:
        raise ContainerError("qemu-aarch64 is still missing after installing qemu-user")
    return qemu


def build() -> Path:
    installed = subprocess.run(["rustup", "target", "list", "--installed"], capture_output=True, text=True, check=True)
    if "aarch64-unknown-linux-gnu" not in installed.stdout.split():
        subprocess.run(["rustup", "target", "add", "aarch64-unknown-linux-gnu"], check=True)
    # Into a folder of its own: target/lambda holds what `sam build` copies.
    lambda_dir = STATE / "arm64" / "lambda"
    command = ["cargo", "lambda", "build", "--arm64", "--bin", BINARY, "--lambda-dir", str(lambda_dir)]
    say("$ " + " ".join(command))
    if subprocess.run(command, cwd=ROOT, check=False).returncode != 0:
        raise ContainerError("the arm64 build failed")
    bootstrap = lambda_dir / BINARY / "bootstrap"
    header = bootstrap.read_bytes()[:20]
    machine = int.from_bytes(header[18:20], "little")
    if header[:4] != b"\x7fELF" or machine != ELF_MACHINE_AARCH64:
        raise ContainerError(f"{bootstrap} is not an arm64 ELF binary (machine {machine})")
    return bootstrap


def emulator() -> Path:
    found = sorted((ROOT / ".venv" / "lib").glob("python*/site-packages/samcli/local/rapid/aws-lambda-rie-arm64"))
    if not found:
        raise ContainerError("the arm64 Lambda Runtime Interface Emulator is not in .venv: run `make venv`")
    return found[0]


def invoke(url: str, event: str) -> dict:
    request = urllib.request.Request(url, data=event.encode(), method="POST")
    with urllib.request.urlopen(request, timeout=120) as response:
        return json.loads(response.read())


def main() -> int:
    started = time.monotonic()
    qemu = ensure_qemu()
    bootstrap = build()
    built = time.monotonic()
    work = STATE / "arm64"
    work.mkdir(parents=True, exist_ok=True)
    wrapper = work / "bootstrap"
    wrapper.write_text(f"#!/bin/sh\nexec {qemu} -L {SYSROOT} {bootstrap}\n")
    wrapper.chmod(0o755)

    moto = subprocess.Popen(
        [sys.executable, str(ROOT / "tests" / "support" / "moto_server.py")],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    rie = None
    problems: list[str] = []
    try:
        assert moto.stdout
        endpoint = f"http://127.0.0.1:{int(moto.stdout.readline())}"
        created = create_resources(template(), endpoint)
        environment = json.loads((EVENTS / "env.json").read_text())[FUNCTION]
        environment.update(
            {
                "PATH": os.environ.get("PATH", ""),
                "AWS_ENDPOINT_URL": endpoint,
                "FANOUT": f"*={created['CycleSoftwareQueue']}",
                "AWS_REGION": "eu-west-1",
                "AWS_ACCESS_KEY_ID": "local",
                "AWS_SECRET_ACCESS_KEY": "local",
                "AWS_LAMBDA_FUNCTION_NAME": BINARY,
                "AWS_LAMBDA_LOG_FORMAT": "JSON",
            }
        )
        port, runtime_port = free_port(), free_port()
        log = open(work / "rie.log", "w")
        rie = subprocess.Popen(
            [
                qemu,
                str(emulator()),
                "--log-level",
                "error",
                "--runtime-interface-emulator-address",
                f"127.0.0.1:{port}",
                "--runtime-api-address",
                f"127.0.0.1:{runtime_port}",
                str(wrapper),
            ],
            env=environment,
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        url = f"http://127.0.0.1:{port}/2015-03-31/functions/function/invocations"
        event = SAMPLE.read_text()
        deadline = time.monotonic() + 60
        while True:
            try:
                first = invoke(url, event)
                break
            except OSError:
                if rie.poll() is not None or time.monotonic() > deadline:
                    raise ContainerError(f"the arm64 emulator did not answer; see {work / 'rie.log'}") from None
                time.sleep(0.5)
        second = invoke(url, event)
        outcomes = [json.loads(answer.get("body") or "{}").get("status") for answer in (first, second)]
        say(f"arm64 {BINARY} under qemu, run by the arm64 Lambda emulator: {' / '.join(map(str, outcomes))}")
        if outcomes != ["accepted", "duplicate"]:
            problems.append(f"expected accepted / duplicate, got {first} / {second}")
        items = stored_events(endpoint, created["EventsTable"])
        messages = queued_messages(endpoint, created["CycleSoftwareQueue"])
        say(f"stored events: {items}, messages in CycleSoftwareQueue: {messages}")
        if (items, messages) != (1, 1):
            problems.append(f"expected one stored event and one message, got {items} and {messages}")
    finally:
        if rie and rie.poll() is None:
            rie.terminate()
            rie.wait(timeout=30)
        if moto.stdin:
            moto.stdin.close()
        moto.wait(timeout=30)
    say(f"arm64 build {built - started:.1f} s, run {time.monotonic() - built:.1f} s")
    return verdict(problems)


if __name__ == "__main__":
    try:
        sys.exit(main())
    except ContainerError as error:
        sys.stderr.write(f"arm64: {error}\n")
        sys.exit(2)
