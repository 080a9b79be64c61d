#!/usr/bin/env bash
# The main job: install dependencies, build, and run a real vif-bridge
# hotplug in a throwaway network namespace on the test xenstore daemon.
# Usage (as root on Debian 12): bash tools/demo.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bash tools/deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j2 --target xhp-hotplug xhp-demo
exec build/tests/demo/xhp-demo
