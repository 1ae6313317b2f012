#!/usr/bin/env bash
# Runs gophercloud's acceptance tests (Debian's golang-github-gophercloud-gophercloud-dev, built
# with Debian's golang-go in GOPATH mode) against a running cloud.
#   scripts/gophercloud/run.sh CLOUDS_YAML PACKAGE [go test arguments...]
# PACKAGE is relative to gophercloud's acceptance/openstack, e.g. identity/v3 or compute/v2.
# e.g. scripts/gophercloud/run.sh data/clouds.yaml compute/v2 -run 'TestServersCreateDestroy$'
set -euo pipefail
clouds=$(realpath "$1"); pkg=$2; shift 2
work=${GOPHERCLOUD_WORKSPACE:-$(dirname "$clouds")/gophercloud-workspace}
mkdir -p "$work"
export PATH=/usr/bin:$PATH OS_CLIENT_CONFIG_FILE=$clouds OS_CLOUD=scs-admin
os() { openstack "$@"; }
auth() { python3 -c 'import sys,yaml; print(yaml.safe_load(open(sys.argv[1]))["clouds"]["scs-admin"]["auth"][sys.argv[2]])' "$clouds" "$1"; }

# What the acceptance tests expect to find (as on devstack): an image, two flavors, a tenant network
# with a router to the external network (floating IPs need one).
image=$(os image list --name gophercloud-image -f value -c ID | head -1)
if [ -z "$image" ]; then
  head -c 1048576 /dev/zero > "$work/image.raw"
  image=$(os image create gophercloud-image --file "$work/image.raw" --disk-format raw --container-format bare --public -f value -c id)
fi
flavor() {
  local id; id=$(os flavor list --all -f value -c ID -c Name | awk -v n="$1" '$2==n {print $1}')
  [ -n "$id" ] || id=$(os flavor create "$1" --vcpus 1 --ram "$2" --disk 1 -f value -c id)
  echo "$id"
}
flv=$(flavor gophercloud-flavor 128); flv_resize=$(flavor gophercloud-flavor-resize 256)
net=$(os network list --name gophercloud-net -f value -c ID | head -1)
if [ -z "$net" ]; then
  net=$(os network create gophercloud-net -f value -c id)
  os subnet create gophercloud-subnet --network "$net" --subnet-range 10.199.0.0/24 >/dev/null
  os router create gophercloud-router --external-gateway public >/dev/null
  os router add subnet gophercloud-router gophercloud-subnet
fi
subnet=$(os subnet list --network "$net" -f value -c ID | head -1)
public=$(os network show public -f value -c id)

export OS_AUTH_URL=$(auth auth_url) OS_USERNAME=admin OS_PASSWORD=$(auth password) \
  OS_PROJECT_NAME=admin OS_TENANT_NAME=admin OS_DOMAIN_NAME=Default OS_USER_DOMAIN_NAME=Default \
  OS_PROJECT_DOMAIN_NAME=Default OS_REGION_NAME=RegionOne \
  OS_IMAGE_ID=$image OS_FLAVOR_ID=$flv OS_FLAVOR_ID_RESIZE=$flv_resize \
  OS_NETWORK_NAME=gophercloud-net OS_NETWORK_ID=$net OS_SUBNET_ID=$subnet \
  OS_POOL_NAME=public OS_EXTGW_ID=$public
export GO111MODULE=off GOPATH=/usr/share/gocode GOCACHE=$work/gocache GOFLAGS=
cd /usr/share/gocode/src/github.com/gophercloud/gophercloud/acceptance/openstack/"$pkg"
exec go test -tags acceptance -count=1 -timeout 40m -v . "$@"
