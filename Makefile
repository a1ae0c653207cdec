# Airlock's entry points. `make demo` and `make test` are the two commands
# the README opens with; .ci/run calls `make test`.
SWIFT ?= swift
BENCH_ARGS ?=

.PHONY: setup build demo test bench bench-sandbox clean

setup:
	./scripts/setup.sh

build: setup
	$(SWIFT) build
	./scripts/build-front.sh .build/debug

demo: build
	./scripts/demo.sh

test: setup
	SWIFT="$(SWIFT)" ./scripts/test.sh

# Benchmarks run on a release build with the Swift runtime and Foundation
# linked statically (`airlock exec` starts a process per command; static
# linking makes that start several times faster). Each prints ratios
# against baselines measured in the same run.
bench: setup
	$(SWIFT) build -c release --static-swift-stdlib
	./scripts/build-front.sh .build/release
	./scripts/bench.sh $(BENCH_ARGS)

clean:
	rm -rf .build
