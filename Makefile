# The two commands of the README:
#   make run    install everything into .venv and start the API on the local real servers
#   make test   install everything into .venv and run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test install bench clean-data

$(STAMP): requirements.txt requirements-dev.txt setup.py tests/node/package-lock.json
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@# Debian's Chromium (browser tests) and Caddy (the reverse-proxy test); locally a test that
	@# lacks one is skipped, under CI=true it fails
	@{ command -v chromium >/dev/null 2>&1 && command -v caddy >/dev/null 2>&1; } || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-color-emoji caddy >/dev/null) \
	  || echo "Chromium or Caddy not installed: the browser and proxy tests will be skipped"; }
	@# Node and npm (the Mastodon client test drives megalodon, tests/node); locally a missing node
	@# skips that test, under CI=true it fails
	@command -v npm >/dev/null 2>&1 || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs npm >/dev/null) \
	  || echo "npm not installed: the Node Mastodon client test will be skipped"; }
	@if command -v npm >/dev/null 2>&1; then (cd tests/node && npm ci --no-audit --no-fund --silent); fi
	touch $(STAMP)

install: $(STAMP)

run: $(STAMP)
	$(BIN)/socialgraph dev

test: $(STAMP)
	$(BIN)/python -m pytest $(PYTEST_ARGS)

bench: $(STAMP)
	$(BIN)/python bench/bench_slice.py $(BENCH_ARGS)

clean-data:
	rm -rf .localdata
