#!/usr/bin/env bash
# Runs Ceph's S3 compatibility suite (s3-tests, pytest + boto3) against a running cloud:
#   scripts/s3tests/run.sh CLOUDS_YAML S3TESTS_DIR [pytest arguments...]
# e.g. scripts/s3tests/run.sh data/clouds.yaml ~/src/s3-tests -k multipart
# S3TESTS_DIR is a checkout of github.com/ceph/s3-tests (not shipped here: CI has no access to it,
# so this is a developer's check; docs/objectstore.md has the last figures). It needs Debian's
# python3-boto3, python3-pytest, python3-munch, python3-gevent, python3-isodate, python3-httplib2,
# python3-lxml and python3-tz. The script makes the three accounts the suite expects (s3main,
# s3alt, s3tenant: Keystone projects with a member user and EC2 credentials each), two key-manager
# secrets of s3main for SSE-KMS, and $S3TESTS_WORKSPACE/s3tests.conf (default: next to CLOUDS_YAML).
# Features this cloud does not offer (IAM, STS, SNS, S3 Select, website, bucket logging, storage
# class transitions) are deselected by marker, and so are the tests Ceph marks as failing on AWS.
set -euo pipefail
clouds=$(realpath "$1")
suite=$(realpath "$2")
shift 2
work=${S3TESTS_WORKSPACE:-$(dirname "$clouds")/s3tests-workspace}
mkdir -p "$work"
export PATH=/usr/bin:$PATH OS_CLIENT_CONFIG_FILE=$clouds OS_CLOUD=scs-admin

# The S3 endpoint of the catalog (service type s3) and its region.
read -r endpoint region <<< "$(openstack catalog show s3 -f json | python3 -c '
import json, sys
e = next(e for e in json.load(sys.stdin)["endpoints"] if e["interface"] == "public")
print(e["url"], e["region"])')"
: > "$work/accounts"
for u in s3main s3alt s3tenant; do
  password=$(head -c 18 /dev/urandom | base64 | tr -d '/+=')
  project=$(openstack project create "$u" --or-show -f value -c id)
  openstack user create "$u" --project "$u" --password "$password" --or-show -f value -c id > /dev/null
  openstack user set "$u" --password "$password"
  openstack role add --user "$u" --project "$u" member
  read -r access secret <<< "$(openstack ec2 credentials create --user "$u" --project "$u" -f value -c access -c secret | tr '\n' ' ')"
  echo "$u $project $access $secret $password" >> "$work/accounts"
done
# SSE-KMS keys: 256-bit symmetric secrets of s3main in the key manager (the suite names them kms_keyid, kms_keyid2).
python3 - "$clouds" "$work/clouds.yaml" "$(awk '$1 == "s3main" { print $5 }' "$work/accounts")" <<'PY'
import sys, yaml
demo = yaml.safe_load(open(sys.argv[1]))['clouds']['scs-demo']
main = {**demo, 'auth': {**demo['auth'], 'username': 's3main', 'password': sys.argv[3], 'project_name': 's3main'}}
yaml.safe_dump({'clouds': {'s3main': main}}, open(sys.argv[2], 'w'))
PY
kms=()
for n in 1 2; do
  kms+=("$(OS_CLIENT_CONFIG_FILE=$work/clouds.yaml OS_CLOUD=s3main openstack secret store --name "s3tests-key-$n" \
    --algorithm aes --bit-length 256 --mode cbc --secret-type symmetric --payload "$(head -c 32 /dev/urandom | base64)" \
    --payload-content-type application/octet-stream --payload-content-encoding base64 -f value -c 'Secret href' | sed 's#.*/##')")
done

python3 - "$work" "$endpoint" "$region" "${kms[@]}" <<'PY'
import sys
from urllib.parse import urlsplit
work, endpoint, region, key1, key2 = sys.argv[1:6]
u = urlsplit(endpoint)
accounts = {l.split()[0]: l.split() for l in open(f'{work}/accounts')}
def section(name, account, extra=''):
    _, project, access, secret, _ = accounts[account]
    # The canonical user of an account is its project: id and display name.
    return f'[{name}]\ndisplay_name = {project}\nuser_id = {project}\nemail = {account}@example.com\naccess_key = {access}\nsecret_key = {secret}\n{extra}\n'
conf = f'[DEFAULT]\nhost = {u.hostname}\nport = {u.port or (443 if u.scheme == "https" else 80)}\nis_secure = {u.scheme == "https"}\nssl_verify = False\n'
conf += '[fixtures]\nbucket prefix = s3t-{random}-\n'
conf += section('s3 main', 's3main', f'api_name = {region}\nkms_keyid = {key1}\nkms_keyid2 = {key2}\n')
conf += section('s3 alt', 's3alt') + section('s3 tenant', 's3tenant', f'tenant = {accounts["s3tenant"][1]}\n')
# The IAM sections must exist for the suite to load; the IAM tests themselves are deselected.
conf += section('iam', 's3main') + section('iam root', 's3main') + section('iam alt root', 's3alt')
open(f'{work}/s3tests.conf', 'w').write(conf)
PY

unsupported="fails_on_aws or s3select or sns or iam_account or iam_cross_account or iam_role or iam_tenant or iam_user
  or test_of_sts or webidentity_test or bucket_logging or bucket_logging_cleanup or cloud_transition or cloud_restore
  or lifecycle_transition or s3website or appendobject or group or group_policy or role_policy or user_policy or abac_test
  or token_claims_trust_policy_test or token_principal_tag_role_policy_test or token_request_tag_trust_policy_test
  or token_resource_tags_test or token_role_tags_test or token_tag_keys_test or session_policy"
cd "$suite"
S3TEST_CONF=$work/s3tests.conf exec python3 -m pytest -p no:cacheprovider -q -rA -m "not ($(echo $unsupported))" \
  "$@" s3tests/functional/test_s3.py s3tests/functional/test_headers.py
