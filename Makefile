# Airlock's entry points. `make demo` and `make test` are the two commands
# the README opens with; .ci/run calls `make test`.
SWIFT ?= swift
BENCH_ARGS ?=

.PHONY: setup build demo test bench bench-sandbox clean

setup:
	./scripts/setup.sh

build: setup
	$(SWIFT) build

demo: build
	./scripts/demo.sh

test: setup
	$(SWIFT) build --build-tests
	$(SWIFT) test --skip-build

# Benchmarks run on a release build; each prints ratios against baselines
# measured in the same run.
bench: setup
	$(SWIFT) build -c release
	./scripts/bench.sh $(BENCH_ARGS)

clean:
	rm -rf .build
