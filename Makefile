# Works from a fresh clone on a machine with only python3 (3.11+), Java 17+, Maven and Node.js 18+ (npm):
# uv is bootstrapped into .tools/, the workspace venv is .venv/, Kafka's and the HAPI FHIR validator's
# jars go to .cache/, the AsyncAPI parser to tools/asyncapi/node_modules/.
.DEFAULT_GOAL := help
PYTHON ?= python3
UV_VERSION := 0.13.9
UV := .tools/bin/uv
KAFKA_JARS := .cache/kafka/4.3.1/COMPLETE
# The HAPI FHIR validator the FHIR tests check the platform's resources with (devstack fetch).
FHIR_VALIDATOR := .cache/fhir-validator/8.6.1/COMPLETE

.PHONY: help sync fetch asyncapi-parser dashboard-vendor browser run cluster infra test unit chaos chaos-cluster docs manifests bench bench-store profile clean

help:
	@echo "make run    start Kafka, the store, an SMTP sink and the five services (Ctrl-C stops all)"
	@echo "make cluster  the same on a three-node Kafka cluster with two replicas of every service"
	@echo "make infra  start only Kafka, the store and the SMTP sink"
	@echo "make test   every test: unit, integration, end-to-end, then the chaos run"
	@echo "make unit   unit tests only (no broker, no store)"
	@echo "make chaos  only the chaos run: services and the broker killed under load"
	@echo "make chaos-cluster  the chaos run on the cluster: brokers, replicas and the store fail under load (CI runs it after make test)"
	@echo "make docs   regenerate the AsyncAPI and OpenAPI documents in docs/api/ and validate the AsyncAPI ones"
	@echo "make bench  measure throughput, latency, deadlines and oversight at scale (bench/results.json, BENCHMARKS.md)"
	@echo "make bench-store  store commands, documents written and index entries per referral and per escalation (a minute)"
	@echo "make profile  CPU per referral in each process (PROFILE=store,tracking for py-spy profiles)"
	@echo "make clean  remove run directories (.run/)"

$(UV):
	$(PYTHON) -m venv .tools
	.tools/bin/pip install --quiet --disable-pip-version-check uv==$(UV_VERSION)

# --frozen: install exactly what uv.lock says; a clone without a lock yet resolves one.
sync: $(UV)
	@if [ -f uv.lock ]; then $(UV) sync --all-packages --frozen; else $(UV) sync --all-packages; fi

$(KAFKA_JARS): | sync
	.venv/bin/devstack fetch kafka

$(FHIR_VALIDATOR): | sync
	.venv/bin/devstack fetch fhir-validator

# The Compose file is checked against the Compose specification's JSON schema, as Docker ships it.
COMPOSE_SPEC := .cache/compose-spec/docker_compose-1.29.2-py2.py3-none-any.whl
$(COMPOSE_SPEC): | $(UV)
	.tools/bin/pip download --quiet --disable-pip-version-check --no-deps docker-compose==1.29.2 -d .cache/compose-spec

# The AsyncAPI documents are checked by the AsyncAPI Initiative's parser, exactly as package-lock.json
# pins it; installed again only when the lock changes. No install scripts run (--ignore-scripts).
ASYNCAPI_PARSER := tools/asyncapi/node_modules/.package-lock.json
$(ASYNCAPI_PARSER): tools/asyncapi/package-lock.json
	npm ci --prefix tools/asyncapi --ignore-scripts --no-audit --no-fund
	@touch $@

asyncapi-parser: $(ASYNCAPI_PARSER)

# The dashboard's charting library (vendored into the oversight service: make dashboard-vendor) and
# the accessibility engine its browser test runs in the page, exactly as package-lock.json pins them.
DASHBOARD_TOOLS := tools/dashboard/node_modules/.package-lock.json
$(DASHBOARD_TOOLS): tools/dashboard/package-lock.json
	npm ci --prefix tools/dashboard --ignore-scripts --no-audit --no-fund
	@touch $@

DASHBOARD_STATIC := services/oversight/src/oversight/dashboard/static/vendor
dashboard-vendor: $(DASHBOARD_TOOLS)
	cp tools/dashboard/node_modules/chart.js/dist/chart.umd.min.js $(DASHBOARD_STATIC)/
	cp tools/dashboard/node_modules/chart.js/LICENSE.md $(DASHBOARD_STATIC)/chart.js-LICENSE.md
	cp tools/dashboard/node_modules/@kurkle/color/LICENSE.md $(DASHBOARD_STATIC)/kurkle-color-LICENSE.md

fetch: sync $(KAFKA_JARS) $(FHIR_VALIDATOR) $(COMPOSE_SPEC) $(ASYNCAPI_PARSER) $(DASHBOARD_TOOLS)

# The dashboard's browser test drives Debian's Chromium (Playwright never downloads a browser here).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
$(CHROMIUM):
	$(SUDO) apt-get update -qq && DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium

browser: $(CHROMIUM)

# Only what running needs (the workspace and Kafka's jars; the test tools are `make fetch`'s), and
# when make started, so the stack can say how long it took to be ready. RUN_ARGS: e.g. --no-demo-activity.
MAKE_STARTED := $(shell date +%s.%N)
run: sync $(KAFKA_JARS)
	MAKE_RUN_STARTED_AT=$(MAKE_STARTED) .venv/bin/devstack run $(RUN_ARGS)

# Three Kafka nodes (KRaft, three copies of every topic), two replicas of each service (devstack cluster).
cluster: fetch
	.venv/bin/devstack cluster

infra: fetch
	.venv/bin/devstack infra

# Fast feedback first: unit, then the real broker and store, then the five services as processes;
# last the chaos run on a stack of its own (it kills services and the broker).
test: fetch browser
	.venv/bin/python -m pytest tests/unit tests/integration tests/e2e
	.venv/bin/python -m pytest -s tests/chaos

docs: sync $(ASYNCAPI_PARSER)
	.venv/bin/python -m devstack.apidocs docs/api
	node tools/asyncapi/validate.mjs docs/api/*.asyncapi.json

manifests: sync
	.venv/bin/python -m referral_ops.manifests deploy/k8s deploy/demo/hsds

# Benchmarks: the real stack, numbers into bench/results.json (never assertions in tests).
bench: fetch
	.venv/bin/python bench/main.py

# The engine-independent figures alone: what the services ask of the store (bench/store_figures.py).
bench-store: fetch
	.venv/bin/python bench/store_figures.py

# Where the time goes: CPU per referral in each process; PROFILE=store,tracking adds py-spy profiles.
profile: fetch
	.venv/bin/python bench/cpu_profile.py

chaos: fetch
	.venv/bin/python -m pytest -s tests/chaos

# Its own target: with three brokers and ten service processes it does not fit make test's budget.
chaos-cluster: fetch
	.venv/bin/python -m pytest -s tests/cluster

unit: sync $(ASYNCAPI_PARSER) $(DASHBOARD_TOOLS)
	.venv/bin/python -m pytest tests/unit

clean:
	rm -rf .run
