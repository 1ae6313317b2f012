"""Set-up for scripts/scs-standards/run.sh.

  helpers.py domains ADMIN_CLOUD OUT.yaml  two domains with a manager each (domain-manager-test.yaml)
  helpers.py cases SCOPE.yaml VERSION      the testcase ids of that version of the scope, one per line
"""
import secrets
import sys

import openstack
import yaml


def domains(cloud, out):
    conn = openstack.connect(cloud=cloud)
    manager = conn.identity.find_role('manager', ignore_missing=False)
    entries = []
    for name in ('scs-dm-a', 'scs-dm-b'):
        domain = conn.identity.find_domain(name) or conn.identity.create_domain(name=name)
        password = secrets.token_urlsafe(16)
        user = conn.identity.find_user(f'{name}-manager', domain_id=domain.id)
        if user:
            conn.identity.update_user(user, password=password)
        else:
            user = conn.identity.create_user(name=f'{name}-manager', domain_id=domain.id, password=password)
        conn.identity.assign_domain_role_to_user(domain, user, manager)
        entries.append({'name': name, 'manager': {'username': user.name, 'password': password},
                        'member_role': 'member'})
    with open(out, 'w') as f:
        yaml.safe_dump({'domains': entries}, f)


def cases(scope_file, version):
    with open(scope_file) as f:
        scope = yaml.safe_load(f)
    modules = {m['id']: m for m in scope['modules']}
    chosen = next(v for v in scope['versions'] if v['version'] == version)
    for ref in chosen['include']:
        module = modules[ref['ref'] if isinstance(ref, dict) else ref]
        for ids in (module.get('targets') or {}).values():
            for testcase in ids or []:
                print(testcase)


if __name__ == '__main__':
    {'domains': domains, 'cases': cases}[sys.argv[1]](*sys.argv[2:])
