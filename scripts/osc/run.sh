#!/usr/bin/env bash
# Runs python-openstackclient's own functional tests (Debian's python3-openstackclient ships them)
# against a running cloud: every test drives the `openstack` CLI as a user would.
#   scripts/osc/run.sh CLOUDS_YAML [stestr run arguments, e.g. a regex or --concurrency 4]
# e.g. scripts/osc/run.sh data/clouds.yaml 'functional\.image'
# The tests name their clouds as devstack does (scripts/devstack-clouds.sh makes them); their
# clouds.yaml and stestr's repository go to $OSC_WORKSPACE (default ./osc-workspace next to
# CLOUDS_YAML). Prints one line per test (`... ok`, `... FAILED`, `... SKIPPED`).
set -euo pipefail
clouds=$(realpath "$1"); shift
work=${OSC_WORKSPACE:-$(dirname "$clouds")/osc-workspace}
mkdir -p "$work"
export PATH=/usr/bin:$PATH
"$(dirname "$0")/../devstack-clouds.sh" "$clouds" "$work"

top=$(python3 -c 'import os, openstackclient; print(os.path.dirname(os.path.dirname(openstackclient.__file__)))')
printf '[DEFAULT]\ntest_path=%s/openstackclient/tests/functional\ntop_dir=%s\ngroup_regex=([^\\.]*\\.)*\n' "$top" "$top" > "$work/.stestr.conf"
cd "$work"
export OS_CLIENT_CONFIG_FILE=$work/clouds.yaml
exec stestr run --concurrency "${OSC_CONCURRENCY:-4}" "$@"
