#!/usr/bin/env bash
# Runs openstacksdk's own functional tests (Debian's python3-openstacksdk ships them) against a
# running cloud:
#   scripts/openstacksdk/run.sh CLOUDS_YAML [pytest arguments...]
# e.g. scripts/openstacksdk/run.sh data/clouds.yaml network/v2/test_network.py -k test_get
# Test paths are relative to openstack/tests/functional. CLOUDS_YAML is the file `scs up` writes.
# The tests name their clouds as devstack does: devstack-admin, devstack (a member) and
# devstack-alt (a member of a second project, made here). Their clouds.yaml, and the file the image
# tests upload from the working directory, go to $SDK_WORKSPACE (default ./openstacksdk-workspace
# next to CLOUDS_YAML), where pytest runs; `-rA` prints one PASSED/FAILED/ERROR/SKIPPED line per test.
set -euo pipefail
clouds=$(realpath "$1"); shift
work=${SDK_WORKSPACE:-$(dirname "$clouds")/openstacksdk-workspace}
mkdir -p "$work"
# Debian's interpreter: openstacksdk, its tests and pytest live in Debian's Python packages.
export PATH=/usr/bin:$PATH
export OS_CLIENT_CONFIG_FILE=$clouds OS_CLOUD=scs-admin

alt_password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
openstack project create sdk-alt --or-show -f value -c id > /dev/null
openstack user create sdk-alt --project sdk-alt --password "$alt_password" --or-show -f value -c id > /dev/null
openstack user set sdk-alt --password "$alt_password"
openstack role add --user sdk-alt --project sdk-alt member

python3 - "$clouds" "$work/clouds.yaml" "$alt_password" <<'PY'
import sys, yaml
clouds = yaml.safe_load(open(sys.argv[1]))['clouds']
alt = {**clouds['scs-demo'], 'auth': {**clouds['scs-demo']['auth'], 'username': 'sdk-alt', 'password': sys.argv[3], 'project_name': 'sdk-alt'}}
yaml.safe_dump({'clouds': {'devstack-admin': clouds['scs-admin'], 'devstack': clouds['scs-demo'], 'devstack-alt': alt}}, open(sys.argv[2], 'w'))
PY
# An active image to boot (the SCS standard images stay queued without a download source here).
if [ -z "$(openstack image list --name sdk-test-image -f value -c ID)" ]; then
  head -c 1048576 /dev/zero > "$work/sdk-test-image.img"
  openstack image create sdk-test-image --file "$work/sdk-test-image.img" --disk-format raw --container-format bare --public > /dev/null
fi
export OPENSTACKSDK_IMAGE=sdk-test-image
# A default subnet pool for auto-allocated networks (`networks: auto`), as devstack makes one.
if [ -z "$(openstack subnet pool list --default -f value -c ID)" ]; then
  openstack subnet pool create sdk-default-v4 --default --share --pool-prefix 10.128.0.0/16 --default-prefix-length 26 > /dev/null
fi
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
