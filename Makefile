# The two commands: `make run` (install, build, run the product) and `make test` (install,
# build, run every test). Everything else here serves those two or CI.
BUILD ?= build
ASAN_BUILD ?= build-asan
JOBS ?= $(shell nproc)
WERROR ?= OFF
CMAKE_FLAGS ?=

.PHONY: run test deps build test-sanitize format format-check bench clean

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

format:
	@git ls-files '*.h' '*.cc' | xargs clang-format -i

format-check:
	@git ls-files '*.h' '*.cc' | xargs clang-format --dry-run --Werror

bench: build
	@bench/run.sh $(BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD)
