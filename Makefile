VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test test-slow lint bench clean

$(PY):
	python3 -m venv $(VENV)

$(STAMP): $(PY) pyproject.toml
	$(PY) -m pip install -q torch==2.13.0 torchvision==0.28.0
	$(PY) -m pip install -q -e '.[test]'
	# bytecode for the editable sources, as pip writes it for installed packages (read even where
	# PYTHONDONTWRITEBYTECODE keeps Python from writing it): a cold `nesy query` starts faster
	$(PY) -m compileall -q src
	touch $(STAMP)

run: $(STAMP)
	$(VENV)/bin/nesy train --task digit-addition --n 1 --epochs 1 --output runs/make-run --explain

test: $(STAMP)
	$(VENV)/bin/ruff check src tests benchmarks
	$(PY) -m pytest -q -x -m "not gpu"

# the larger tier: >= 2,000 generated programs against problog, the largest oracle programs
test-slow: $(STAMP)
	$(PY) -m pytest -q -m slow

bench: $(STAMP)
	$(PY) -W ignore benchmarks/exact_inference.py

clean:
	rm -rf $(VENV) runs
