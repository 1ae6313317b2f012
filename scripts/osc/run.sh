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
# What the compute tests look up by devstack's names: a flavor cirros256, an image cirros-*-disk
# (bytes do not matter to the simulated hypervisor) and a network `private` routed to `public`.
os() { OS_CLIENT_CONFIG_FILE=$clouds openstack --os-cloud scs-admin "$@"; }
[ -n "$(os flavor list --all -f value -c Name | grep -x cirros256)" ] || os flavor create cirros256 --vcpus 1 --ram 256 --disk 1 > /dev/null
if [ -z "$(os image list --name cirros-0.6.2-x86_64-disk -f value -c ID)" ]; then
  head -c 1048576 /dev/zero > "$work/cirros.img"
  os image create cirros-0.6.2-x86_64-disk --file "$work/cirros.img" --disk-format raw --container-format bare --public > /dev/null
fi
if [ -z "$(os network list --name private -f value -c ID)" ]; then
  os network create private > /dev/null
  os subnet create private-subnet --network private --subnet-range 10.0.0.0/26 > /dev/null
  os router create router1 --external-gateway public > /dev/null
  os router add subnet router1 private-subnet
fi

top=$(python3 -c 'import os, openstackclient; print(os.path.dirname(os.path.dirname(openstackclient.__file__)))')
printf '[DEFAULT]\ntest_path=%s/openstackclient/tests/functional\ntop_dir=%s\ngroup_regex=([^\\.]*\\.)*\n' "$top" "$top" > "$work/.stestr.conf"
cd "$work"
export OS_CLIENT_CONFIG_FILE=$work/clouds.yaml
exec stestr run --concurrency "${OSC_CONCURRENCY:-4}" "$@"
