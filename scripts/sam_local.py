#!/usr/bin/env python3
"""`sam build`, `sam local invoke` and `sam local start-api`, for real, as the README gives them.

    sam_local.py build [--arch ARCH]   `sam build` for ARCH (default: the template's arm64): adds the
                                       Rust target if missing, compiles every function binary in one
                                       cargo run that `sam build` then reuses, and runs `sam build`
    sam_local.py backend               what `sam local` needs, until Ctrl-C: a container engine (Docker,
                                       else podman set up here), the Lambda base image, moto on its own
                                       network with the template's table and queues
    sam_local.py check                 the README's local workflow end to end on this machine's
                                       architecture: the backend, `sam build`, every sample event
                                       through `sam local invoke` (forged, then twice), one sample
                                       per route through `sam local start-api` at its deployed path
                                       (the same), the republisher's sweep; prints a table of
                                       outcomes and of what reached the table and each queue, and
                                       exits 1 on any difference

scripts/containers.py says how the engine, the images and the network are set up, and why.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path


import containers
from containers import ContainerError, machine_architecture
from local_stack import (
    AWS,
    EVENTS,
    ROOT,
    STATE,
    create_resources,
    forged,
    post,
    queue_of,
    queued_messages,
    say,
    stored_events,
    template,
    vendors,
    verdict,
)

ENV_VARS = "events/env.json"
REPUBLISHER_EVENT = "events/republisher/sweep.json"
RUST_TARGET = {"x86_64": "x86_64-unknown-linux-gnu", "arm64": "aarch64-unknown-linux-gnu"}
EXPECTED = ("rejected", "accepted", "duplicate")


def architecture_override(arch: str) -> list[str]:
    return ["--parameter-overrides", f"Architecture={arch}"]


def run_logged(command: list[str], env: dict[str, str] | None = None, **kwargs) -> subprocess.CompletedProcess:
    say("$ " + " ".join(command))
    return subprocess.run(command, cwd=ROOT, env=env, check=False, **kwargs)


# --- build ----------------------------------------------------------------------------------


def build(arch: str) -> None:
    """`sam build` for `arch`, after one cargo run that compiles every function binary."""
    target = RUST_TARGET[arch]
    installed = subprocess.run(["rustup", "target", "list", "--installed"], capture_output=True, text=True, check=False)
    if installed.returncode == 0 and target not in installed.stdout.split():
        if run_logged(["rustup", "target", "add", target]).returncode != 0:
            raise ContainerError(f"`rustup target add {target}` failed")
    binaries = [f["binary"] for f in functions(template())]
    # The same command `sam build` runs per function (aws-lambda-builders' rust-cargolambda:
    # `cargo lambda build --release [--arm64] --bin NAME`), for all of them at once: one cargo run
    # links the binaries in parallel, and the runs of `sam build` then find them up to date.
    prebuild = ["cargo", "lambda", "build", "--release"] + (["--arm64"] if arch == "arm64" else [])
    for binary in binaries:
        prebuild += ["--bin", binary]
    if run_logged(prebuild).returncode != 0:
        raise ContainerError("`cargo lambda build` failed")
    if run_logged(["sam", "build", *architecture_override(arch)]).returncode != 0:
        raise ContainerError("`sam build` failed")


def functions(tpl: dict) -> list[dict]:
    """Every function of the template: logical id and binary."""
    return [
        {"function": logical_id, "binary": resource["Metadata"]["BuildProperties"]["Binary"]}
        for logical_id, resource in tpl["Resources"].items()
        if resource["Type"] == "AWS::Serverless::Function"
    ]


# --- backend --------------------------------------------------------------------------------


class Session:
    """The engine, the base image and moto with the template's resources; stopped together."""

    def __init__(self, arch: str, moto_port: int) -> None:
        self.engine = containers.engine()
        self.backend: containers.Backend | None = None
        try:
            containers.ensure_lambda_base_image(self.engine, arch)
            self.backend = containers.start_backend(self.engine, moto_port)
            self.created = create_resources(template(), self.backend.endpoint)
        except BaseException:
            self.stop()
            raise

    @property
    def env(self) -> dict[str, str]:
        return self.engine.env

    def reset(self) -> None:
        """Empties moto and creates the template's resources again."""
        assert self.backend
        request = urllib.request.Request(f"{self.backend.endpoint}/moto-api/reset", method="POST")
        with urllib.request.urlopen(request, timeout=30):
            pass
        self.created = create_resources(template(), self.backend.endpoint)

    def stop(self) -> None:
        if self.backend:
            self.backend.stop()
        self.engine.stop()


def backend() -> int:
    arch = machine_architecture()
    session = Session(arch, containers.MOTO_PORT)
    try:
        say(f"\nmoto is running in container {containers.MOTO_CONTAINER} on network {containers.NETWORK},")
        say(f"reached by the functions as http://{containers.MOTO_HOST}:{containers.MOTO_PORT} and from here as {session.backend.endpoint if session.backend else ''};")
        say(f"it holds the table and queues of template.yaml (region {AWS['region_name']}). Ctrl-C stops it.\n")
        if session.engine.name == "podman":
            say("In another terminal (podman serves the Docker API here):")
            say(f"  export DOCKER_HOST={session.env['DOCKER_HOST']}")
        say(f"  sam build --parameter-overrides Architecture={arch}")
        say(f"  sam local invoke WaykeFunction -e events/wayke/new-order.json --env-vars {ENV_VARS} --parameter-overrides Architecture={arch}")
        say(f"  sam local start-api --env-vars {ENV_VARS} --parameter-overrides Architecture={arch}")
        while True:
            time.sleep(3600)
    except KeyboardInterrupt:
        say("\nstopping")
        return 0
    finally:
        session.stop()


# --- check ----------------------------------------------------------------------------------


class Problems(list):
    def expect(self, what: str, got, expected) -> str:
        if got != expected:
            self.append(f"{what}: expected {expected}, got {got}")
        return f"{got}" if got == expected else f"{got} (expected {expected})"


def outcome(status: int, body: dict) -> str:
    if status == 401:
        return "rejected"
    if status == 200 and body.get("status") in ("accepted", "duplicate"):
        return body["status"]
    return f"HTTP {status} {json.dumps(body)}"


def sam_invoke(session: Session, arch: str, function: str, event: Path) -> dict:
    """`sam local invoke FUNCTION -e EVENT --env-vars events/env.json`: the function's response."""
    command = ["sam", "local", "invoke", function, "-e", str(event.relative_to(ROOT)), "--env-vars", ENV_VARS]
    command += architecture_override(arch)
    result = subprocess.run(command, cwd=ROOT, env=session.env, capture_output=True, text=True, check=False)
    lines = [line for line in result.stdout.splitlines() if line.strip()]
    try:
        if result.returncode != 0 or not lines:
            raise ValueError
        return json.loads(lines[-1])
    except ValueError:
        raise ContainerError(
            f"`{' '.join(command)}` answered nothing usable (exit {result.returncode}):\n{result.stdout}\n{result.stderr[-4000:]}"
        ) from None


def invoke_phase(session: Session, arch: str, tpl: dict, scratch: Path, problems: Problems) -> dict[str, str]:
    rows: dict[str, str] = {}
    for vendor in vendors(tpl):
        for sample in vendor["samples"]:
            event = json.loads(sample.read_text())
            forged_file = scratch / f"{vendor['binary']}-{sample.name}"
            forged_file.write_text(json.dumps({**event, "headers": forged(event["headers"])}))
            got = []
            for file in (forged_file, sample, sample):
                response = sam_invoke(session, arch, vendor["function"], file)
                got.append(outcome(int(response.get("statusCode", 0)), json.loads(response.get("body") or "{}")))
            name = f"{vendor['binary']}/{sample.stem}"
            rows[name] = problems.expect(f"sam local invoke {name}", " / ".join(got), " / ".join(EXPECTED))
    return rows


def start_api_phase(session: Session, arch: str, tpl: dict, problems: Problems) -> dict[str, str]:
    port = containers.free_port()
    command = ["sam", "local", "start-api", "--env-vars", ENV_VARS, *architecture_override(arch), "--port", str(port)]
    log = open(STATE / "start-api.log", "w")
    say("$ " + " ".join(command))
    api = subprocess.Popen(command, cwd=ROOT, env=session.env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    rows: dict[str, str] = {}
    try:
        deadline = time.monotonic() + 120
        while not containers._http_answers(f"http://127.0.0.1:{port}"):
            if api.poll() is not None or time.monotonic() > deadline:
                raise ContainerError(f"sam local start-api did not come up; see {STATE / 'start-api.log'}")
            time.sleep(0.3)
        for vendor in vendors(tpl):
            # One sample per route: every sample has been through `sam local invoke` already.
            for sample in vendor["samples"][:1]:
                event = json.loads(sample.read_text())
                url = f"http://127.0.0.1:{port}{event['rawPath']}"
                got = [
                    outcome(*post(url, event, headers))
                    for headers in (forged(event["headers"]), event["headers"], event["headers"])
                ]
                name = f"{vendor['binary']}/{sample.stem}"
                method = event["requestContext"]["http"]["method"]
                rows[name] = f"{method} {event['rawPath']}: " + problems.expect(
                    f"sam local start-api {name}", " / ".join(got), " / ".join(EXPECTED)
                )
    finally:
        try:
            os.killpg(api.pid, signal.SIGTERM)
            api.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            os.killpg(api.pid, signal.SIGKILL)
        log.close()
    return rows


def totals(session: Session, tpl: dict, phase: str, problems: Problems, per_vendor: int | None = None) -> list[str]:
    """What reached the table and each queue, against one per sample sent (at most `per_vendor`
    samples of each vendor)."""
    assert session.backend
    endpoint = session.backend.endpoint
    samples = {queue_of(v): len(v["samples"][:per_vendor]) for v in vendors(tpl)}
    lines = [
        f"stored events: "
        + problems.expect(f"{phase}: stored events", stored_events(endpoint, session.created["EventsTable"]), sum(samples.values()))
    ]
    for queue, expected in samples.items():
        count = queued_messages(endpoint, session.created[queue])
        lines.append(f"messages in {queue}: " + problems.expect(f"{phase}: messages in {queue}", count, expected))
    return lines


def check() -> int:
    arch = machine_architecture()
    tpl = template()
    problems = Problems()
    timings: list[tuple[str, float]] = []

    def timed(what: str, action):
        started = time.monotonic()
        result = action()
        timings.append((what, time.monotonic() - started))
        return result

    session = timed("container engine, images, moto", lambda: Session(arch, containers.free_port()))
    try:
        timed(f"sam build ({arch})", lambda: build(arch))
        with tempfile.TemporaryDirectory(dir=STATE, prefix="forged-") as scratch:
            say("\nsending every sample event through `sam local invoke` (forged, then twice)")
            invoked = timed("sam local invoke, every sample", lambda: invoke_phase(session, arch, tpl, Path(scratch), problems))
        after_invoke = totals(session, tpl, "sam local invoke", problems)
        sweep = timed(
            "sam local invoke RepublisherFunction",
            lambda: sam_invoke(session, arch, "RepublisherFunction", ROOT / REPUBLISHER_EVENT),
        )
        sweep_row = problems.expect(
            "republisher sweep after every delivery finished",
            {key: sweep.get(key) for key in ("found", "failed")},
            {"found": 0, "failed": 0},
        )
        session.reset()
        say("\nsending one sample per route through `sam local start-api`, at its deployed path (forged, then twice)")
        served = timed("sam local start-api, one sample per route", lambda: start_api_phase(session, arch, tpl, problems))
        after_api = totals(session, tpl, "sam local start-api", problems, per_vendor=1)
    finally:
        session.stop()

    width = max(len(name) for name in invoked) + 2
    say(f"\n{'sample':<{width}} {'sam local invoke':<36} sam local start-api")
    for name, row in invoked.items():
        say(f"{name:<{width}} {row:<36} {served.get(name, '')}")
    say(f"{'republisher (sweep)':<{width}} {sweep_row}")
    say("")
    for left, right in zip(after_invoke, after_api):
        say(f"{left:<{width + 37}} {right}")
    say("\ntimings:")
    for what, seconds in timings:
        say(f"  {what:<45} {seconds:7.1f} s")
    return verdict(problems)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    build_parser = commands.add_parser("build")
    build_parser.add_argument("--arch", choices=sorted(RUST_TARGET), default="arm64")
    commands.add_parser("backend")
    commands.add_parser("check")
    args = parser.parse_args()
    try:
        if args.command == "build":
            build(args.arch)
            return 0
        if args.command == "backend":
            return backend()
        return check()
    except ContainerError as error:
        sys.stderr.write(f"sam_local: {error}\n")
        return 2


if __name__ == "__main__":
    sys.exit(main())
