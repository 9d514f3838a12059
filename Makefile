# Throughcare: the two commands (README) and the longer runs.
#   make run    install what is missing, build (release), load demo data on first start, serve
#   make test   install what is missing, build, run every test through CTest
#   make bench  benchmarks (prints each figure; see docs/performance.md), then search at scale
#               (SEARCH_SCALES patients; 100,000 is ~10 M resources: hours and tens of GB)
#   make bench-search  only the search-at-scale benchmark (bench/search-scale.sh)
#   make fuzz   libFuzzer targets (clang), FUZZ_SECONDS each
SHELL := /bin/bash
JOBS ?= 2
PORT ?= 8080
DATA ?= var
SEARCH_SCALES ?= 10000 100000
RELEASE_DIR := build/release
DEBUG_DIR := build/debug

.PHONY: deps build run test test-sanitize bench bench-search fuzz clean format

deps:
	@scripts/install-deps

build: deps
	@cmake --preset release >/dev/null
	@cmake --build --preset release -j $(JOBS)

run: build
	$(RELEASE_DIR)/src/server/throughcare serve --data $(DATA) --port $(PORT) --demo-if-empty

test: build
	ctest --test-dir $(RELEASE_DIR) --output-on-failure -j $(JOBS) --timeout 900
	@echo "Conformance against HL7 / NHS England fixtures:"
	@grep -ahE '^(\[roundtrip\]|FHIRPath R4 suite|JSON Patch fixtures|FHIR Patch fixtures)' \
	  $(RELEASE_DIR)/Testing/Temporary/LastTest.log | sed 's/^/  /' || true

# The core libraries' unit tests under AddressSanitizer + UndefinedBehaviorSanitizer.
test-sanitize: deps
	@cmake --preset debug >/dev/null
	@cmake --build --preset debug -j $(JOBS)
	ctest --test-dir $(DEBUG_DIR) --output-on-failure -j $(JOBS) -L unit --timeout 900

bench: build
	bench/run-all.sh
	SCALES="$(SEARCH_SCALES)" bench/search-scale.sh

bench-search: build
	SCALES="$(SEARCH_SCALES)" bench/search-scale.sh

fuzz: deps
	scripts/run-fuzz

format:
	@git ls-files '*.h' '*.cc' | xargs clang-format -i

clean:
	rm -rf build
