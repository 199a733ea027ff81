# The two commands: `make run` and `make test`. Both install what is missing
# (scripts/install-deps), configure with CMake + Ninja (+ ccache) and build.
BUILD_DIR ?= build/release
BUILD_TYPE ?= Release
JOBS ?= $(shell nproc)

.PHONY: all deps configure build run test clean

all: build

deps:
	./scripts/install-deps

configure: deps
	cmake -S . -B $(BUILD_DIR) -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) >/dev/null

build: configure
	ninja -C $(BUILD_DIR) -j $(JOBS)

run: build
	./scripts/dev-run $(BUILD_DIR)/src/cli/postino var/dev

test: build
	ctest --test-dir $(BUILD_DIR) --output-on-failure --timeout 900 -j $(JOBS)

clean:
	rm -rf $(BUILD_DIR)
