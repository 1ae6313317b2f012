"""Pre-provisioned tempest accounts, for runs without admin credentials (as SCS's scs-0128 runs).

  accounts.py CLOUD COUNT OUT.yaml
Makes COUNT projects `tempest-acct-N` with a member user and a network of their own (compute
tests boot on it), and writes tempest's accounts file. Run again, it resets the passwords.
"""
import secrets
import sys

import openstack
import yaml

cloud, count, out = sys.argv[1], int(sys.argv[2]), sys.argv[3]
conn = openstack.connect(cloud=cloud)
member = conn.identity.find_role('member', ignore_missing=False)
accounts = []
for n in range(1, count + 1):
    name = f'tempest-acct-{n}'
    project = conn.identity.find_project(name, domain_id='default') or conn.identity.create_project(name=name, domain_id='default')
    password = secrets.token_urlsafe(16)
    user = conn.identity.find_user(name, domain_id='default')
    if user:
        conn.identity.update_user(user, password=password)
    else:
        user = conn.identity.create_user(name=name, domain_id='default', password=password, default_project_id=project.id)
    conn.identity.assign_project_role_to_user(project, user, member)
    net = conn.network.find_network(name, project_id=project.id)
    if not net:
        net = conn.network.create_network(name=name, project_id=project.id)
        conn.network.create_subnet(network_id=net.id, project_id=project.id, ip_version=4, cidr=f'10.{200 + n}.0.0/24', name=name)
    accounts.append({'username': name, 'password': password, 'project_name': name, 'domain_name': 'Default',
                     'roles': ['member'], 'resources': {'network': name}})
with open(out, 'w') as f:
    yaml.safe_dump(accounts, f)
