# The commands the README gives. `make test` needs only Rust and Python 3 on the machine:
# it installs what else it needs into .venv.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

VENV := .venv
VENV_READY := $(VENV)/.installed
PYTHON3 ?= python3
# The venv's tools (moto_server, cfn-lint, sam, cargo-lambda, zig) come first on the PATH.
export PATH := $(CURDIR)/$(VENV)/bin:$(PATH)
export SAM_CLI_TELEMETRY := 0
# The template's default architecture; `make build ARCH=x86_64` for the other one.
ARCH ?= arm64
REGION ?= eu-west-1

.PHONY: test lint template-lint unit test-release simulate venv events schema build dev invoke demo sam-backend sam-local arm64 bench clean

## test: formatting, lints, template checks, then every test (unit, contract, pipeline, binaries against moto).
test: lint template-lint unit

## lint: rustfmt and clippy, warnings are errors.
lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --locked -- -D warnings

## template-lint: cfn-lint and `sam validate --lint`, offline; any finding fails.
template-lint: $(VENV_READY)
	cfn-lint template.yaml
	sam validate --lint --template template.yaml --region $(REGION)

## unit: the whole test suite (the fault simulation included, 2000 schedules); moto runs on a
## free loopback port and exits when the test process that started it does.
unit: $(VENV_READY)
	# Every locked package, those of other platforms too: the manifest test reads them all.
	cargo fetch --locked
	MOTO_PYTHON="$(CURDIR)/$(VENV)/bin/python" cargo test --workspace --locked

## test-release: the binary tests (every vendor's samples, zero loss, Secrets Manager, TLS, the
## republisher) once more, against the release binaries `cargo lambda build --release` left in
## target/lambda — what `sam build` packages. `make sam-local` or `make build ARCH=x86_64` builds
## them first; CI runs this after `make sam-local`.
test-release: $(VENV_READY)
	FUNCTION_BINARIES="$(CURDIR)/target/lambda" MOTO_PYTHON="$(CURDIR)/$(VENV)/bin/python" \
	  cargo test --workspace --locked --test binary --test replay --test zero_loss \
	  --test secrets_manager --test tls

SIM_SCHEDULES ?= 100000
## simulate: the deterministic fault simulation, SIM_SCHEDULES schedules (default 100000); ends
## with `simulation: N schedules, V invariant violations`. SIM_SEED=<seed> replays one schedule
## step by step.
simulate:
	SIM_SCHEDULES=$(SIM_SCHEDULES) $(if $(SIM_SEED),SIM_SEED=$(SIM_SEED)) \
	  cargo test -p webhook-tests --test simulation --locked

## events: regenerate events/ (sample API Gateway events and env.json) from events/payloads/.
events:
	UPDATE_EVENTS=1 cargo test -p webhook-tests --test events --locked

## schema: regenerate schema/ (JSON Schemas of the SQS envelope and of every vendor payload)
## from the types of the `webhook-events` crate.
schema:
	UPDATE_SCHEMA=1 cargo test -p webhook-events --test schema --locked

## venv: the Python tools the tests use.
venv: $(VENV_READY)

$(VENV_READY): requirements-dev.txt
	rm -rf $(VENV)
	$(PYTHON3) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	touch $@

## build: `sam build` for ARCH (default: the template's arm64, cross-compiled with zig on x86_64;
## ARCH=x86_64 for the other). Adds the Rust target if missing; the binaries are compiled in one
## cargo run that `sam build` then reuses.
build: $(VENV_READY)
	$(VENV)/bin/python scripts/sam_local.py build --arch $(ARCH)

## dev: the local stack (moto + the template's table and queues + cargo lambda watch) until Ctrl-C.
dev: $(VENV_READY)
	$(VENV)/bin/python scripts/local_stack.py dev

## invoke: send events/$(VENDOR)/$(EVENT).json to the running stack, as `sam local invoke -e` would.
invoke: $(VENV_READY)
	@test -n "$(VENDOR)" -a -n "$(EVENT)" || { echo "usage: make invoke VENDOR=wayke EVENT=new-order"; exit 2; }
	$(VENV)/bin/python scripts/local_stack.py invoke $(VENDOR) $(EVENT)

## demo: start the stack, send every sample twice and a forged one per vendor, report, stop.
demo: $(VENV_READY)
	$(VENV)/bin/python scripts/local_stack.py demo

## sam-backend: what `sam local` needs, until Ctrl-C: Docker, or podman set up here (root), the
## Lambda base image, moto in a container on the network `webhook-local` with the table and queues.
sam-backend: $(VENV_READY)
	$(VENV)/bin/python scripts/sam_local.py backend

## sam-local: the README's local workflow for real on this machine's architecture: the backend,
## `sam build`, every sample through `sam local invoke` and `sam local start-api`; a table of
## what happened; fails on any difference. Needs root where there is no Docker.
sam-local: $(VENV_READY)
	$(VENV)/bin/python scripts/sam_local.py check

## arm64: one arm64 binary (built as `make build` builds it) run on this x86_64 machine under
## qemu-user by the arm64 Lambda Runtime Interface Emulator, against moto. Needs root to install
## qemu-user.
arm64: $(VENV_READY)
	$(VENV)/bin/python scripts/arm64.py

## bench: CPU per event per vendor against the HMAC+parse floor (criterion), cold starts of
## every release binary against the Runtime API emulator and moto, and the republisher's drain
## rate.
bench: $(VENV_READY)
	# The deployed binaries with the features `sam build` gives them (the workspace's default
	# members), then the floor on its own, so that neither adds features to the other.
	cargo build --release --locked --bins
	cargo build --release --locked -p cold-start-floor
	cargo bench -p webhook-core --bench per_event --locked
	MOTO_PYTHON="$(CURDIR)/$(VENV)/bin/python" cargo bench -p webhook-tests --bench cold_start --locked
	MOTO_PYTHON="$(CURDIR)/$(VENV)/bin/python" cargo bench -p webhook-tests --bench drain --locked

## clean: build output, the virtualenv and the local stack's files.
clean:
	cargo clean
	rm -rf $(VENV) .aws-sam .local-stack
