"""Runs a script of SCS's conformance tests on Debian's openstacksdk (0.101) as if it were 4.x.

The SCS standards' tests pin openstacksdk 4.x; where 0.101 differs in a way they rely on, this
adds the newer behaviour: 403 raises ForbiddenException, find() treats a 403 on the id as "look
by name", find_volume() searches volume details, and the identity proxy has group_users().
Usage: python3 sdk4.py SCRIPT [ARGS...]
"""
import runpy
import sys

import openstack.exceptions as exc
import openstack.resource as resource
from openstack import utils
from openstack.block_storage.v3 import _proxy as block_proxy
from openstack.block_storage.v3 import volume as _volume
from openstack.identity.v3 import _proxy as identity_proxy
from openstack.identity.v3 import group as _group
from openstack.identity.v3 import user as _user

OLD_SDK = not hasattr(exc, 'ForbiddenException')

if OLD_SDK:
    class ForbiddenException(exc.HttpException):
        """HTTP 403, as openstacksdk >= 1.0 raises it."""

    exc.ForbiddenException = ForbiddenException
    _raise_from_response = exc.raise_from_response

    def raise_from_response(response, error_message=None):
        try:
            _raise_from_response(response, error_message)
        except exc.HttpException as e:
            if response.status_code == 403 and not isinstance(e, ForbiddenException):
                raise ForbiddenException(message=e.message, response=response, details=e.details,
                                         request_id=e.request_id, http_status=403) from None
            raise

    exc.raise_from_response = raise_from_response

    _find = resource.Resource.find.__func__

    def find(cls, session, name_or_id, ignore_missing=True, **params):
        try:
            return _find(cls, session, name_or_id, ignore_missing=ignore_missing, **params)
        except ForbiddenException:
            # 4.x: a 403 on the id falls through to the search by name.
            match = cls._get_one_match(name_or_id, cls.list(session, **params))
            if match is not None or ignore_missing:
                return match
            raise exc.ResourceNotFound(f'No {cls.__name__} found for {name_or_id}')

    resource.Resource.find = classmethod(find)

if OLD_SDK and not hasattr(identity_proxy.Proxy, 'group_users'):
    def group_users(self, group, **attrs):
        group = self._get_resource(_group.Group, group)
        return self._list(_user.User, base_path=utils.urljoin(group.base_path, group.id, 'users'), **attrs)

    identity_proxy.Proxy.group_users = group_users


if OLD_SDK:
    def find_volume(self, name_or_id, ignore_missing=True, **attrs):
        return self._find(_volume.Volume, name_or_id, ignore_missing=ignore_missing,
                          list_base_path='/volumes/detail', **attrs)

    block_proxy.Proxy.find_volume = find_volume

sys.argv = sys.argv[1:]
sys.path.insert(0, '.')
runpy.run_path(sys.argv[0], run_name='__main__')
