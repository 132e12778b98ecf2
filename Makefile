# The two commands: `make run` (install, build, run the product) and `make test` (install,
# build, run every test). Everything else here serves those two or CI.
BUILD ?= build
ASAN_BUILD ?= build-asan
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
JOBS ?= $(shell nproc)
WERROR ?= OFF
CMAKE_FLAGS ?=

.PHONY: run test deps build test-sanitize fuzz format format-check bench clean

run: build
	@scripts/run.sh $(BUILD)

test: build
	@scripts/test.sh $(BUILD) $(JOBS)

deps:
	@scripts/install-deps.sh

build: deps
	@cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=RelWithDebInfo -DLEADSCAN_WERROR=$(WERROR) \
	  $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(BUILD) -j $(JOBS)

# AddressSanitizer + UndefinedBehaviorSanitizer build and its tests.
test-sanitize: deps
	@cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug -DLEADSCAN_SANITIZE=ON \
	  -DLEADSCAN_BUILD_BENCH=OFF -DLEADSCAN_WERROR=$(WERROR) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(ASAN_BUILD) -j $(JOBS)
	@LEADSCAN_SANITIZED=1 scripts/test.sh $(ASAN_BUILD) $(JOBS)

# libFuzzer targets (clang, ASan + UBSan) for every parser of outside data, each run for
# FUZZ_SECONDS on its seeds in tests/fuzz/<name>/; fails when any target crashes.
fuzz: deps
	@CC=clang CXX=clang++ cmake -S . -B $(FUZZ_BUILD) -DCMAKE_BUILD_TYPE=Debug \
	  -DCMAKE_C_FLAGS_DEBUG="-O1 -gline-tables-only" -DCMAKE_CXX_FLAGS_DEBUG="-O1 -gline-tables-only" \
	  -DLEADSCAN_FUZZ=ON -DLEADSCAN_BUILD_BENCH=OFF -DLEADSCAN_WERROR=$(WERROR) $(CMAKE_FLAGS) >/dev/null
	@cmake --build $(FUZZ_BUILD) -j $(JOBS) --target leadscan_fuzzers
	@scripts/fuzz.sh $(FUZZ_BUILD) $(FUZZ_SECONDS)

format:
	@git ls-files '*.h' '*.cc' | xargs clang-format -i

format-check:
	@git ls-files '*.h' '*.cc' | xargs clang-format --dry-run --Werror

bench: build
	@bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
