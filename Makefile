# The commands the README gives. `make test` needs only Rust and Python 3 on the machine:
# it installs what else it needs into .venv.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c

# Keep in step with MOTO_REQUIREMENT in tests/support/moto.rs (a test checks it).
MOTO_VERSION := 5.2.5
VENV := .venv
VENV_READY := $(VENV)/.moto-$(MOTO_VERSION)
PYTHON3 ?= python3

.PHONY: test lint unit venv events clean

## test: formatting, lints, then every test (unit, contract, pipeline against moto).
test: lint unit

## lint: rustfmt and clippy, warnings are errors.
lint:
	cargo fmt --all -- --check
	cargo clippy --workspace --all-targets --locked -- -D warnings

# The moto the tests start exits when the test process closes its stdin; this pattern (which
# cannot match the shell running it, thanks to the brackets) sweeps up any left by a killed run.
MOTO_PROCESS := $(CURDIR)/tests/support/[m]oto_server.py

## unit: the whole test suite; moto runs on a free loopback port and stops with the tests.
unit: $(VENV_READY)
	status=0; MOTO_PYTHON="$(CURDIR)/$(VENV)/bin/python" cargo test --workspace --locked || status=$$?; \
	pkill -f "$(MOTO_PROCESS)" 2>/dev/null || true; \
	exit $$status

## events: regenerate events/ (sample API Gateway events and env.json) from events/payloads/.
events:
	UPDATE_EVENTS=1 cargo test -p webhook-tests --test events --locked

## venv: the Python tools the tests use.
venv: $(VENV_READY)

$(VENV_READY):
	rm -rf $(VENV)
	$(PYTHON3) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --disable-pip-version-check "moto[server]==$(MOTO_VERSION)"
	touch $@

## clean: build output and the virtualenv.
clean:
	cargo clean
	rm -rf $(VENV)
