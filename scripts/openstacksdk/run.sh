#!/usr/bin/env bash
# Runs openstacksdk's own functional tests (Debian's python3-openstacksdk ships them) against a
# running cloud:
#   scripts/openstacksdk/run.sh CLOUDS_YAML [pytest arguments...]
# e.g. scripts/openstacksdk/run.sh data/clouds.yaml network/v2/test_network.py -k test_get
# Test paths are relative to openstack/tests/functional. CLOUDS_YAML is the file `scs up` writes.
# The tests name their clouds as devstack does (scripts/devstack-clouds.sh makes them). Their
# clouds.yaml, and the file the image tests upload from the working directory, go to
# $SDK_WORKSPACE (default ./openstacksdk-workspace next to CLOUDS_YAML), where pytest runs; `-rA`
# prints one PASSED/FAILED/ERROR/SKIPPED line per test.
set -euo pipefail
clouds=$(realpath "$1"); shift
work=${SDK_WORKSPACE:-$(dirname "$clouds")/openstacksdk-workspace}
mkdir -p "$work"
# Debian's interpreter: openstacksdk, its tests and pytest live in Debian's Python packages.
export PATH=/usr/bin:$PATH
export OS_CLIENT_CONFIG_FILE=$clouds OS_CLOUD=scs-admin

# devstack's clouds (devstack-admin, devstack, devstack-alt), a test image and a default subnet pool.
"$(dirname "$0")/../devstack-clouds.sh" "$clouds" "$work"
export OPENSTACKSDK_IMAGE=sdk-test-image
# The image tests upload this file from the working directory (the sdk's own repository in its gate).
printf 'openstacksdk functional test upload\n' > "$work/CONTRIBUTING.rst"

functional=$(python3 -c 'import os, openstack.tests.functional as f; print(os.path.dirname(f.__file__))')
args=()
for a in "$@"; do
  case "$a" in -*|/*) args+=("$a") ;; *) if [ -e "$functional/${a%%::*}" ]; then args+=("$functional/$a"); else args+=("$a"); fi ;; esac
done
cd "$work"
# The sdk's tox environment for functional tests allows 600 s per test (the library default is 5 s).
export OS_TEST_TIMEOUT=${OS_TEST_TIMEOUT:-600} OS_CLIENT_CONFIG_FILE=$work/clouds.yaml OS_CLOUD=devstack-admin
exec python3 -m pytest -p no:cacheprovider -q -rA "${args[@]}"
