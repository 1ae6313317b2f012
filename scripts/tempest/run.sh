#!/usr/bin/env bash
# Runs upstream OpenStack's tempest API tests (Debian's `tempest` package) against a running cloud.
#   scripts/tempest/run.sh CLOUDS_YAML [tempest run arguments...]
# e.g. scripts/tempest/run.sh data/clouds.yaml --regex '^tempest\.api\.identity' --concurrency 2
# CLOUDS_YAML is the file `scs up` writes (cloud scs-admin is used). The workspace (tempest.conf,
# logs, .stestr) goes to $TEMPEST_WORKSPACE, default ./tempest-workspace next to CLOUDS_YAML.
# TEMPEST_ACCOUNTS=N runs without admin credentials, as SCS's scs-0128 does: N pre-provisioned
# member accounts, each with a network of its own (tests that need admin skip themselves).
set -euo pipefail
clouds=$(realpath "$1"); shift
work=${TEMPEST_WORKSPACE:-$(dirname "$clouds")/tempest-workspace}
export OS_CLIENT_CONFIG_FILE=$clouds OS_CLOUD=scs-admin
# Debian's interpreter first: tempest and its test discovery live in Debian's Python packages.
export PATH=/usr/bin:$PATH
os() { openstack "$@"; }

field() { /usr/bin/python3 -c 'import sys,yaml; c=yaml.safe_load(open(sys.argv[1]))["clouds"]["scs-admin"]["auth"]; print(c[sys.argv[2]])' "$clouds" "$1"; }
auth_url=$(field auth_url); password=$(field password)

# Two small active images and two flavors for the compute tests; the simulated hypervisor boots anything.
image_id() {
  local name=$1 id
  id=$(os image list --name "$name" -f value -c ID | head -1)
  if [ -z "$id" ]; then
    head -c 1048576 /dev/zero > "$work/$name.img"
    id=$(os image create "$name" --file "$work/$name.img" --disk-format raw --container-format bare --public -f value -c id)
  fi
  echo "$id"
}
flavor_id() {
  local name=$1 ram=$2 id
  id=$(os flavor list --all -f value -c ID -c Name | awk -v n="$name" '$2==n {print $1}')
  [ -n "$id" ] || id=$(os flavor create "$name" --vcpus 1 --ram "$ram" --disk 1 -f value -c id)
  echo "$id"
}
# The workspace by hand rather than `tempest init`, which refuses a second workspace of the same
# folder name in its per-user registry.
tempest_dir=$(python3 -c 'import os, tempest; print(os.path.dirname(tempest.__file__))')
mkdir -p "$work/etc" "$work/logs"
printf '[DEFAULT]\ntest_path=%s/test_discover\ntop_dir=%s\ngroup_regex=([^\\.]*\\.)*\n' "$tempest_dir" "$tempest_dir" > "$work/.stestr.conf"
img=$(image_id tempest-image); img_alt=$(image_id tempest-image-alt)
flv=$(flavor_id tempest-flavor 128); flv_alt=$(flavor_id tempest-flavor-alt 192)
pub=$(os network show public -f value -c id)
# Exactly the network extensions the cloud lists: tempest skips the tests of the others.
net_ext=$(os extension list --network -f value -c Alias | paste -sd, -)

if [ -n "${TEMPEST_ACCOUNTS:-}" ]; then
  /usr/bin/python3 "$(dirname "$0")/accounts.py" scs-admin "$TEMPEST_ACCOUNTS" "$work/etc/accounts.yaml"
  credentials="use_dynamic_credentials = false
test_accounts_file = $work/etc/accounts.yaml"
else
  credentials="use_dynamic_credentials = true
admin_username = admin
admin_password = $password
admin_project_name = admin
admin_domain_name = Default"
fi

cat > "$work/etc/tempest.conf" <<CONF
[DEFAULT]
log_dir = $work/logs
log_file = tempest.log

[auth]
$credentials
# Every dynamic user also gets Keystone's member role (as devstack configures it): octavia's
# lb_member personas create their member networks through Neutron, which needs it. The price:
# glance_tempest_plugin's project-reader tests see a reader that is also a member (not listed).
tempest_roles = member

[identity]
uri_v3 = $auth_url
auth_version = v3
region = RegionOne
v3_endpoint_type = public
disable_ssl_certificate_validation = true
# Lockout and password history are off by default, as in Keystone; a cloud that turns them on
# (services.identity lockoutFailureAttempts / lockoutDuration / uniqueLastPasswordCount) sets these alike.
user_lockout_failure_attempts = 0
user_unique_last_password_count = 0

[identity-feature-enabled]
api_v2 = false
api_v3 = true
application_credentials = true
access_rules = true
security_compliance = true
project_tags = true
domain_specific_drivers = false
# keystone_tempest_plugin's secure-RBAC persona tests (system/domain/project admin, member, reader)
# run only with this; our identity policy answers them (docs/identity.md: what differs and why).
enforce_scope = true

[compute]
image_ref = $img
image_ref_alt = $img_alt
flavor_ref = $flv
flavor_ref_alt = $flv_alt
fixed_network_name = 
min_microversion = 2.1
max_microversion = 2.95
build_timeout = 60
min_compute_nodes = 2

[compute-feature-enabled]
console_output = true
resize = true
pause = true
suspend = true
shelve = true
snapshot = true
change_password = true
vnc_console = false
spice_console = false
serial_console = false
rescue = true
stable_rescue = true
live_migration = true
block_migration_for_live_migration = true
volume_backed_live_migration = true
cold_migration = true
interface_attach = true
volume_multiattach = true
attach_encrypted_volume = false
personality = true
config_drive = false
metadata_service = false
scheduler_enabled_filters = AvailabilityZoneFilter,ComputeFilter,ComputeCapabilitiesFilter,ImagePropertiesFilter,ServerGroupAntiAffinityFilter,ServerGroupAffinityFilter,SameHostFilter,DifferentHostFilter

[image]
http_image = 
build_timeout = 60

[image-feature-enabled]
api_v1 = false
api_v2 = true
import_image = true
# os_glance_* properties are reserved (403), as in Glance.
os_glance_reserved = true

# glance_tempest_plugin's secure-RBAC persona tests (project admin/member/reader) run only where
# Glance enforces scope, as our image service always does (its policy.ts).
[enforce_scope]
glance = true
cinder = true

[network]
public_network_id = $pub
floating_network_name = public
project_network_cidr = 10.100.0.0/16
project_network_mask_bits = 28
build_timeout = 60

[network-feature-enabled]
api_extensions = $net_ext
ipv6 = true
ipv6_subnet_attributes = true

[neutron_plugin_options]
# The zone of the network agents (the network section's availabilityZone, default nova).
agent_availability_zone = nova

[volume]
catalog_type = block-storage
min_microversion = 3.0
max_microversion = 3.70
build_timeout = 60
# The one back end: SCS's file driver (what get_pools and capabilities report).
vendor_name = SCS
storage_protocol = file
backend_names = file

[volume-feature-enabled]
backup = true
snapshot = true
clone = true
manage_volume = true
manage_snapshot = true
extend_attached_volume = true
extend_attached_encrypted_volume = true
volume_revert = true

[load_balancer]
# API tests run on the simulated provider (same API and state machine as proxy, no sockets: the
# tests' listeners use ports like 80 that an unprivileged proxy data plane cannot bind).
provider = simulated
# NAME:DESCRIPTION pairs split at commas (oslo.config): the providers' descriptions hold none.
# amphora and octavia are Octavia's names, served by the cloud's default driver (proxy).
enabled_provider_drivers = amphora:Octavia's default provider name served here by the proxy provider,octavia:Deprecated alias of amphora,simulated:Provisioning transitions only (no data plane),proxy:TCP and HTTP proxy with health monitors in the service process
# The availability zone API tests name compute zones in their profiles (kept, without effect).
availability_zone = nova
availability_zone2 = zone2
availability_zone3 = zone3
# Octavia's gate runs its advanced RBAC policy file; run the cloud with
# services.loadbalancer.rbac = advanced alike (the default also grants Keystone's member/reader).
RBAC_test_type = advanced
lb_build_interval = 1
lb_build_timeout = 60
build_interval = 1
build_timeout = 60
check_interval = 1
check_timeout = 30

[loadbalancer-feature-enabled]
# What the cloud answers 501 for (UDP/SCTP listeners, SNI, ...; docs/loadbalancer.md "Not done")
# is skipped rather than failed.
not_implemented_is_error = false

[barbican_rbac_scope_verification]
enforce_scope = true

[validation]
run_validation = false

[service_available]
nova = true
glance = true
neutron = true
cinder = true
swift = false
heat = false
horizon = false
barbican = true
load_balancer = true
CONF

cd "$work"
export TEMPEST_CONFIG_DIR=$work/etc TEMPEST_CONFIG=tempest.conf
exec tempest run "$@"
