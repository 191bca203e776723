# The two commands the README promises: `make run` and `make test`. Both install what they need.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PORT ?= 8501

.PHONY: install browser run serve test bench lint data messages

install: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

# Debian's Chromium for the browser tests (Playwright's own browser download does not work offline), and
# Debian's nginx for `make serve`, its test and the bench (nginx lives in /usr/sbin, not on every PATH).
browser:
	@command -v chromium >/dev/null 2>&1 || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq chromium; }
	@command -v nginx >/dev/null 2>&1 || [ -x /usr/sbin/nginx ] || { \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq nginx; }

run: install
	$(BIN)/streamlit run app.py --server.port $(PORT)

# Production-style: nginx on SERVE_PORT in front of BACKENDS Streamlit processes (README, "Serving many visitors").
SERVE_PORT ?= 8080
BACKENDS ?= 2
serve: install browser
	$(BIN)/python -m deploy.serve --listen $(SERVE_PORT) --backends $(BACKENDS)

test: install browser lint
	$(BIN)/python -m pytest

bench: install browser
	$(BIN)/python -m bench

lint: install
	$(BIN)/ruff check clinic_finder views tests app.py pages bench.py deploy loadbench

# Rebuild data/clinics.csv from the committed SAMHSA workbook (byte-for-byte reproducible).
data: install
	$(BIN)/python -m clinic_finder import-samhsa data/sources/national-directory-su-facilities-2023.xlsx --out data/clinics.csv

# Translations (see README, "Translations"): collect every _() / N_() / ngettext() string named by babel.cfg
# into locale/messages.pot, then bring the Spanish catalog in step with it. New strings arrive empty, strings
# gone from the code are dropped (git diff shows their old translation), and no translation is guessed
# (fuzzy matching off): tests/test_i18n.py fails until every new entry is translated. The keywords are in
# babel.cfg; pybabel wants one on its command line when the default ones are off.
messages: install
	$(BIN)/pybabel extract -F babel.cfg --no-default-keywords -k _ --sort-output --add-location=file \
	  --add-comments=TRANSLATORS: --project=clinic-finder --copyright-holder="clinic-finder contributors" \
	  -o locale/messages.pot .
	$(BIN)/pybabel update -i locale/messages.pot -d locale -l es --no-fuzzy-matching --ignore-obsolete \
	  --ignore-pot-creation-date
