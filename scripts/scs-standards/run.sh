#!/usr/bin/env bash
# SCS's own conformance tests (github.com/SovereignCloudStack/standards, folder Tests/; not packaged
# in Debian, so a checkout is an argument) against a running cloud:
#  - Tests/iaas/openstack_test.py: the scripted testcases of a version of the "SCS-compatible IaaS"
#    scope, as the plain member `scs-demo` (scs-0101 entropy needs real guests: left out);
#  - Tests/iam/domain-manager/domain-manager-check.py: scs-0302 with two fresh domains whose
#    managers `scs-admin` creates;
#  - scs-0128 end-to-end: tempest with Tests/iaas/scs_0128_e2e_testing/tempest-tests-non-admin.lst,
#    without admin credentials (scripts/tempest/run.sh with TEMPEST_ACCOUNTS).
# Debian's openstacksdk is older than the one the tests pin: sdk4.py supplies what they rely on.
# usage: scripts/scs-standards/run.sh CLOUDS_YAML STANDARDS_CHECKOUT [VERSION (default v5.1)]
set -euo pipefail
clouds=$(realpath "$1")
standards=$(realpath "$2")
version=${3:-v5.1}
here=$(cd "$(dirname "$0")" && pwd)
py=/usr/bin/python3
export OS_CLIENT_CONFIG_FILE=$clouds
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

mapfile -t cases < <("$py" "$here/helpers.py" cases "$standards/Tests/scs-compatible-iaas.yaml" "$version" | grep -v '^scs-0101-' | grep '^scs-')
status=0
(cd "$standards/Tests/iaas" && "$py" "$here/sdk4.py" openstack_test.py -c scs-demo "${cases[@]}") | tee "$work/iaas.txt" || status=1
grep -q ': \(FAIL\|ABORT\)$' "$work/iaas.txt" && status=1

"$py" "$here/helpers.py" domains scs-admin "$work/domains.yaml"
(cd "$standards/Tests/iam/domain-manager" && "$py" "$here/sdk4.py" domain-manager-check.py --os-cloud scs-admin --domain-config "$work/domains.yaml") || status=1

# The list names tests with their tags; tempest reads it as regular expressions.
sed -E 's/\[.*//; s/\./\\./g; s/^/^/; s/$/(\\[|$)/' "$standards/Tests/iaas/scs_0128_e2e_testing/tempest-tests-non-admin.lst" > "$work/scs-0128.lst"
TEMPEST_ACCOUNTS=${TEMPEST_ACCOUNTS:-6} TEMPEST_WORKSPACE=${TEMPEST_WORKSPACE:-$work/tempest} \
  "$here/../tempest/run.sh" "$clouds" --include-list "$work/scs-0128.lst" --concurrency "${TEMPEST_CONCURRENCY:-3}" || status=1
exit $status
