# Two commands do all set-up on a fresh machine:
#   make run    install into .venv, load and tag the demo data on first run, start the app
#   make test   install into .venv (and Debian chromium for the browser test when root), run all tests
VENV ?= .venv
PY := $(VENV)/bin/python
DB ?= data/journey.duckdb
DEMO_DB ?= data/demo.duckdb
PORT ?= 8501

.PHONY: run test demo bench browser clean

# The bundled demo gets a database of its own, built and tagged once (about 30 s on 2 cores), so the first
# page is a living dashboard until the owner imports their own data, which never mixes with it.
run: $(VENV)/.installed
	JOURNEY_DEMO_DB=$(DEMO_DB) $(PY) -m journey demo --if-empty --tag
	JOURNEY_DB=$(DB) JOURNEY_DEMO_DB=$(DEMO_DB) $(PY) -m streamlit run app.py --server.port $(PORT)

test: $(VENV)/.installed browser
	$(PY) -m pytest

$(VENV)/.installed: requirements.txt
	python3 -m venv $(VENV)
	$(PY) -m pip install --quiet --disable-pip-version-check -r requirements.txt
	touch $@

demo: $(VENV)/.installed
	JOURNEY_DEMO_DB=$(DEMO_DB) $(PY) -m journey demo --tag

# The browser test drives Debian's chromium (never a downloaded browser); CJK fonts make Japanese render.
browser:
	@if command -v chromium >/dev/null 2>&1 && fc-list 2>/dev/null | grep -qi "noto sans cjk"; then :; \
	elif [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then \
		(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null) \
		|| echo "could not install chromium; the browser test will be skipped"; \
	else echo "chromium not found and not root: the browser test will be skipped (apt-get install chromium fonts-noto-cjk)"; fi

bench: $(VENV)/.installed
	$(PY) bench/ingest.py

clean:
	rm -rf $(VENV) $(DB) $(DB).wal $(DB).job.json $(DEMO_DB) $(DEMO_DB).wal $(DEMO_DB).job.json
