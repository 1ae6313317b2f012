#!/usr/bin/env bash
# Prepares a running cloud the way upstream functional tests expect a devstack to be, and writes
# their clouds.yaml:
#   scripts/devstack-clouds.sh CLOUDS_YAML OUT_DIR
# CLOUDS_YAML is the file `scs up` writes. OUT_DIR/clouds.yaml gets the clouds devstack names:
# devstack-admin, devstack (a member), devstack-alt (a member of a second project, made here) and
# devstack-system-admin (admin with system scope). Also made once: an active public image
# `sdk-test-image` (the SCS standard images stay queued without a download source) and a
# default shared IPv4 subnet pool (for `networks: auto`), as devstack has them.
set -euo pipefail
clouds=$(realpath "$1"); out=$2
mkdir -p "$out"
export PATH=/usr/bin:$PATH OS_CLIENT_CONFIG_FILE=$clouds OS_CLOUD=scs-admin

alt_password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
openstack project create sdk-alt --or-show -f value -c id > /dev/null
openstack user create sdk-alt --project sdk-alt --password "$alt_password" --or-show -f value -c id > /dev/null
openstack user set sdk-alt --password "$alt_password"
openstack role add --user sdk-alt --project sdk-alt member

python3 - "$clouds" "$out/clouds.yaml" "$alt_password" <<'PY'
import sys, yaml
clouds = yaml.safe_load(open(sys.argv[1]))['clouds']
admin, demo = clouds['scs-admin'], clouds['scs-demo']
alt = {**demo, 'auth': {**demo['auth'], 'username': 'sdk-alt', 'password': sys.argv[3], 'project_name': 'sdk-alt'}}
system_auth = {k: v for k, v in admin['auth'].items() if not k.startswith('project_')}
system = {**admin, 'auth': {**system_auth, 'system_scope': 'all'}}
yaml.safe_dump({'clouds': {'devstack-admin': admin, 'devstack': demo, 'devstack-alt': alt, 'devstack-system-admin': system}}, open(sys.argv[2], 'w'))
PY
if [ -z "$(openstack image list --name sdk-test-image -f value -c ID)" ]; then
  head -c 1048576 /dev/zero > "$out/sdk-test-image.img"
  openstack image create sdk-test-image --file "$out/sdk-test-image.img" --disk-format raw --container-format bare --public > /dev/null
fi
if [ -z "$(openstack subnet pool list --default -f value -c ID)" ]; then
  openstack subnet pool create sdk-default-v4 --default --share --pool-prefix 10.128.0.0/16 --default-prefix-length 26 > /dev/null
fi
