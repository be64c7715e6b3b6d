#!/usr/bin/env bash
# The main job: build xipc (optimised) and run the benchmark, `xipc bench
# --quick` (two processes per kind and backend, xipc against the raw system
# calls in the same run; under a minute). Extra arguments go to xipc bench,
# e.g. `scripts/bench.sh --json bench.json`, or run the full benchmark with
# build/linux-release/bin/xipc bench.
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
cmake --preset linux-release >/dev/null
cmake --build --preset linux-release
exec build/linux-release/bin/xipc bench --quick "$@"
