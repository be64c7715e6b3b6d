#!/usr/bin/env bash
# The main job: build xipc (optimised) and run `xipc demo`, two processes
# exchanging data through shared memory on every backend of this machine.
# (The benchmark, `xipc bench`, replaces it when it lands.)
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/bootstrap.sh
cmake --preset linux-release >/dev/null
cmake --build --preset linux-release
exec build/linux-release/bin/xipc demo "$@"
