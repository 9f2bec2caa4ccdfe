#!/usr/bin/env python3
"""The local stack, without Docker or an AWS account.

moto (DynamoDB, SQS) on 127.0.0.1:5000 with the table and queues template.yaml declares (named
by their logical ids, as events/env.json and the Cargo.toml watch metadata expect), and
`cargo lambda watch` on 127.0.0.1:9000 serving every function at the paths the deployed HTTP API
has (`POST /cyclesoftware`, `POST /wayke/<type>`, …): its router is made from the template's
routes, in .local-stack/cargo-lambda.toml.

    local_stack.py dev                  run it until Ctrl-C, printing each vendor's URL and a curl line
    local_stack.py invoke VENDOR EVENT  send events/VENDOR/EVENT.json to the running stack
    local_stack.py demo                 start it, send every sample twice and a forged one per vendor,
                                        report, stop; exit 1 if anything differed from what it should be
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import boto3
from cfnlint.decode import cfn_yaml

ROOT = Path(__file__).resolve().parent.parent
EVENTS = ROOT / "events"
STATE = ROOT / ".local-stack"
MOTO_PORT = 5000
WATCH_PORT = 9000
REGION = "eu-west-1"
AWS = {"region_name": REGION, "aws_access_key_id": "local", "aws_secret_access_key": "local"}
ENDPOINT = f"http://127.0.0.1:{MOTO_PORT}"
WATCH = f"http://127.0.0.1:{WATCH_PORT}"
# The one header of a sample that is never altered to forge it: authentication comes first, so
# altering every other header (the credential among them) must be refused with 401.
NOT_ALTERED = "content-type"


def say(message: str) -> None:
    print(message, flush=True)


def fail(message: str) -> None:
    sys.stderr.write(f"local_stack: {message}\n")
    sys.exit(2)


def template() -> dict:
    return cfn_yaml.load(str(ROOT / "template.yaml"))


def vendors(tpl: dict) -> list[dict]:
    """Each vendor function: logical id, binary, route (method, path) and folder of sample events."""
    found = []
    for logical_id, resource in tpl["Resources"].items():
        if resource["Type"] != "AWS::Serverless::Function":
            continue
        events = resource["Properties"].get("Events", {})
        routes = [e["Properties"] for e in events.values() if e["Type"] == "HttpApi"]
        if not routes:
            continue
        binary = resource["Metadata"]["BuildProperties"]["Binary"]
        found.append(
            {
                "function": logical_id,
                "binary": binary,
                "method": routes[0]["Method"],
                "path": routes[0]["Path"],
                "samples": sorted((EVENTS / binary).glob("*.json")),
            }
        )
    return found


def port_free(port: int) -> bool:
    with socket.socket() as probe:
        return probe.connect_ex(("127.0.0.1", port)) != 0


def wait_for_port(port: int, what: str, process: subprocess.Popen, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not port_free(port):
            return
        if process.poll() is not None:
            fail(f"{what} exited with status {process.returncode} before listening on port {port}")
        time.sleep(0.2)
    fail(f"{what} did not listen on port {port} within {seconds:.0f} s")


class Stack:
    """moto and cargo lambda watch, started together and stopped together."""

    def __init__(self) -> None:
        self.moto: subprocess.Popen | None = None
        self.watch: subprocess.Popen | None = None

    def start(self, quiet_watch: bool = False) -> dict:
        for port, what in ((MOTO_PORT, "moto"), (WATCH_PORT, "cargo lambda watch")):
            if not port_free(port):
                fail(f"port {port} (for {what}) is in use: stop whatever listens there first")
        self.moto = subprocess.Popen(
            [sys.executable, str(ROOT / "tests/support/moto_server.py"), str(MOTO_PORT)],
            stdin=subprocess.PIPE,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        wait_for_port(MOTO_PORT, "moto", self.moto, 30)
        created = create_resources(template())
        output = subprocess.DEVNULL if quiet_watch else None
        config = write_router(template())
        self.watch = subprocess.Popen(
            ["cargo", "lambda", "watch", "-A", "127.0.0.1", "-P", str(WATCH_PORT), "--global", str(config)],
            cwd=ROOT,
            stdout=output,
            stderr=output,
            start_new_session=True,
        )
        wait_for_port(WATCH_PORT, "cargo lambda watch", self.watch, 600)
        return created

    def stop(self) -> None:
        if self.watch and self.watch.poll() is None:
            try:
                os.killpg(self.watch.pid, signal.SIGTERM)
                self.watch.wait(timeout=10)
            except (ProcessLookupError, subprocess.TimeoutExpired):
                try:
                    os.killpg(self.watch.pid, signal.SIGKILL)
                except ProcessLookupError:
                    pass
        if self.moto and self.moto.poll() is None:
            # moto stops when its stdin closes.
            if self.moto.stdin:
                self.moto.stdin.close()
            try:
                self.moto.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.moto.kill()


def create_resources(tpl: dict, endpoint: str = ENDPOINT) -> dict:
    """Creates the template's DynamoDB tables and SQS queues in the moto at `endpoint`, named by
    logical id; returns each one's name or URL by logical id."""
    dynamodb = boto3.client("dynamodb", endpoint_url=endpoint, **AWS)
    sqs = boto3.client("sqs", endpoint_url=endpoint, **AWS)
    created: dict[str, str] = {}
    resources = tpl["Resources"]
    for logical_id, resource in resources.items():
        if resource["Type"] != "AWS::DynamoDB::Table":
            continue
        props = resource["Properties"]
        request = {
            "TableName": logical_id,
            "AttributeDefinitions": props["AttributeDefinitions"],
            "KeySchema": props["KeySchema"],
            "BillingMode": props["BillingMode"],
        }
        if "GlobalSecondaryIndexes" in props:
            request["GlobalSecondaryIndexes"] = props["GlobalSecondaryIndexes"]
        if props.get("SSESpecification", {}).get("SSEEnabled"):
            request["SSESpecification"] = {"Enabled": True}
        dynamodb.create_table(**request)
        ttl = props.get("TimeToLiveSpecification")
        if ttl:
            dynamodb.update_time_to_live(
                TableName=logical_id,
                TimeToLiveSpecification={"AttributeName": ttl["AttributeName"], "Enabled": bool(ttl["Enabled"])},
            )
        created[logical_id] = logical_id
    queues = {k: r for k, r in resources.items() if r["Type"] == "AWS::SQS::Queue"}
    for logical_id, resource in queues.items():
        attributes = {
            name: str(value).lower() if isinstance(value, bool) else str(value)
            for name, value in resource.get("Properties", {}).items()
            if name != "RedrivePolicy"
        }
        url = sqs.create_queue(QueueName=logical_id, Attributes=attributes)["QueueUrl"]
        created[logical_id] = url
    for logical_id, resource in queues.items():
        redrive = resource.get("Properties", {}).get("RedrivePolicy")
        if not redrive:
            continue
        target = redrive["deadLetterTargetArn"]["Fn::GetAtt"][0]
        arn = sqs.get_queue_attributes(QueueUrl=created[target], AttributeNames=["QueueArn"])["Attributes"]["QueueArn"]
        policy = {"deadLetterTargetArn": arn, "maxReceiveCount": str(redrive["maxReceiveCount"])}
        sqs.set_queue_attributes(QueueUrl=created[logical_id], Attributes={"RedrivePolicy": json.dumps(policy)})
    return created


def write_router(tpl: dict) -> Path:
    """cargo lambda watch's configuration: each function at its route in the template."""
    lines = ["# Written by scripts/local_stack.py from template.yaml's routes.", "[watch.router]"]
    for vendor in vendors(tpl):
        if vendor["method"] == "ANY":
            lines.append(f'"{vendor["path"]}" = "{vendor["binary"]}"')
        else:
            lines.append(f'"{vendor["path"]}" = [{{ method = "{vendor["method"]}", function = "{vendor["binary"]}" }}]')
    config = STATE / "cargo-lambda.toml"
    STATE.mkdir(exist_ok=True)
    config.write_text("\n".join(lines) + "\n")
    return config


def local_url(vendor: dict, sample: Path | None = None) -> str:
    """The watch URL of a vendor's route (the deployed path); for routed vendors, of the sample's
    event type."""
    path = vendor["path"]
    if "{event}" in path:
        event_type = sample.stem if sample else "<event-type>"
        path = path.replace("{event}", event_type)
    return f"{WATCH}{path}"


def forged(headers: dict) -> dict:
    """`headers` with every header but the content type (the credential among them) altered in its
    last character."""
    return {
        name: value if name == NOT_ALTERED else value[:-1] + ("1" if value.endswith("0") else "0")
        for name, value in headers.items()
    }


def post(url: str, event: dict, headers: dict) -> tuple[int, dict]:
    """Sends a sample event's body with `headers` to `url`, with the event's method."""
    method = event["requestContext"]["http"]["method"]
    request = urllib.request.Request(url, data=event["body"].encode(), headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=600) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def send(vendor: dict, sample: Path, forge: bool = False) -> tuple[int, dict]:
    """Posts a sample event's body with its headers to the running stack, as the vendor would."""
    event = json.loads(sample.read_text())
    headers = forged(event["headers"]) if forge else dict(event["headers"])
    return post(local_url(vendor, sample), event, headers)


def stored_events(endpoint: str, table: str) -> int:
    dynamodb = boto3.client("dynamodb", endpoint_url=endpoint, **AWS)
    return dynamodb.scan(TableName=table, Select="COUNT")["Count"]


def queued_messages(endpoint: str, queue_url: str) -> int:
    sqs = boto3.client("sqs", endpoint_url=endpoint, **AWS)
    attributes = sqs.get_queue_attributes(QueueUrl=queue_url, AttributeNames=["ApproximateNumberOfMessages"])
    return int(attributes["Attributes"]["ApproximateNumberOfMessages"])


def queue_of(vendor: dict) -> str:
    """The logical id of the queue a vendor function's FANOUT names."""
    return vendor["function"].replace("Function", "Queue")


def curl_line(vendor: dict, sample: Path) -> str:
    event = json.loads(sample.read_text())
    headers = " ".join(f"-H '{k}: {v}'" for k, v in event["headers"].items())
    payload = EVENTS / "payloads" / vendor["binary"] / sample.name
    return f"curl -sS -X {event['requestContext']['http']['method']} '{local_url(vendor, sample)}' {headers} --data-binary @{payload.relative_to(ROOT)}"


def dev() -> int:
    tpl = template()
    stack = Stack()
    try:
        created = stack.start()
        say("\nLocal stack running (Ctrl-C stops it).")
        say(f"  moto (DynamoDB, SQS): {ENDPOINT}   table: {created.get('EventsTable')}")
        for vendor in vendors(tpl):
            say(f"\n{vendor['binary']}: {vendor['method']} {local_url(vendor)}")
            if vendor["samples"]:
                say(f"  {curl_line(vendor, vendor['samples'][0])}")
        say("\nSend a sample event as `sam local invoke -e` would: make invoke VENDOR=wayke EVENT=new-order")
        while stack.watch and stack.watch.poll() is None:
            time.sleep(0.5)
        return stack.watch.returncode if stack.watch else 1
    except KeyboardInterrupt:
        say("\nstopping")
        return 0
    finally:
        stack.stop()


def invoke(vendor_name: str, event_name: str) -> int:
    sample = EVENTS / vendor_name / f"{event_name}.json"
    if not sample.exists():
        fail(f"no sample event {sample.relative_to(ROOT)}; see `ls events/{vendor_name}`")
    if port_free(WATCH_PORT):
        fail("the local stack is not running: start it with `make dev` in another terminal")
    return subprocess.call(
        ["cargo", "lambda", "invoke", vendor_name, "--data-file", str(sample), "-A", "127.0.0.1", "-P", str(WATCH_PORT)],
        cwd=ROOT,
    )


def demo() -> int:
    tpl = template()
    stack = Stack()
    problems: list[str] = []
    try:
        created = stack.start(quiet_watch=True)
        say("Local stack started; sending every sample event twice and one forged event per vendor.\n")
        expected_items = 0
        expected_messages: dict[str, int] = {}
        for vendor in vendors(tpl):
            expected_messages[queue_of(vendor)] = len(vendor["samples"])
            expected_items += len(vendor["samples"])
            for sample in vendor["samples"]:
                outcomes = []
                for expected in ("accepted", "duplicate"):
                    status, body = send(vendor, sample)
                    got = body.get("status", f"HTTP {status}")
                    outcomes.append(got)
                    if status != 200 or got != expected:
                        problems.append(f"{vendor['binary']}/{sample.name}: expected {expected}, got {status} {body}")
                say(f"  {vendor['binary'] + '/' + sample.stem:<42} {' / '.join(outcomes)}")
            if vendor["samples"]:
                status, body = send(vendor, vendor["samples"][0], forge=True)
                outcome = "rejected" if status == 401 else f"HTTP {status} {body}"
                say(f"  {vendor['binary'] + ' (forged)':<42} {outcome}")
                if status != 401:
                    problems.append(f"{vendor['binary']}: a forged event got {status}")
        items = stored_events(ENDPOINT, created["EventsTable"])
        say(f"\nstored events: {items} (expected {expected_items})")
        if items != expected_items:
            problems.append(f"{items} stored events, expected {expected_items}")
        for queue, expected in expected_messages.items():
            count = queued_messages(ENDPOINT, created[queue])
            say(f"messages in {queue}: {count} (expected {expected})")
            if count != expected:
                problems.append(f"{queue} holds {count} messages, expected {expected}")
    finally:
        stack.stop()
    return verdict(problems)


def verdict(problems: list[str]) -> int:
    """Prints what differed from what should be, if anything; the exit status to give."""
    if problems:
        say("\nDIFFERENCES:\n  " + "\n  ".join(problems))
        return 1
    say("\nEverything as expected.")
    return 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("dev")
    invoke_parser = commands.add_parser("invoke")
    invoke_parser.add_argument("vendor")
    invoke_parser.add_argument("event")
    commands.add_parser("demo")
    args = parser.parse_args()
    if args.command == "dev":
        return dev()
    if args.command == "invoke":
        return invoke(args.vendor, args.event)
    return demo()


if __name__ == "__main__":
    sys.exit(main())
