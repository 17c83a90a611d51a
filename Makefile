# The two commands of the README:
#   make run    install everything into .venv and start the API on the local real servers
#   make test   install everything into .venv and run the whole test suite
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: run test install bench clean-data

$(STAMP): requirements.txt requirements-dev.txt setup.py
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	@# Debian's Chromium (browser tests) and Caddy (the reverse-proxy test); locally a test that
	@# lacks one is skipped, under CI=true it fails
	@{ command -v chromium >/dev/null 2>&1 && command -v caddy >/dev/null 2>&1; } || { [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null && \
	  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-color-emoji caddy >/dev/null) \
	  || echo "Chromium or Caddy not installed: the browser and proxy tests will be skipped"; }
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
