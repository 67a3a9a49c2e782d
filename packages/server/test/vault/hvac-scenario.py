# Drives a Keyhaven server with hvac (Debian's python3-hvac), exactly as a Python user would: one
# client (one keep-alive session), KV v2 on the "secret" mount. Prints one JSON object: each step's
# result, or the hvac exception it raised. Usage: hvac-scenario.py <url> <token> <prefix>
import json
import sys

import hvac

url, token, prefix = sys.argv[1], sys.argv[2], sys.argv[3]
client = hvac.Client(url=url, token=token)
kv = client.secrets.kv.v2
out = {}


def step(name, fn):
    try:
        out[name] = {'ok': fn()}
    except Exception as e:  # hvac raises typed errors (InvalidPath = 404, Forbidden = 403, ...)
        out[name] = {'error': type(e).__name__, 'message': str(e)}


step('authenticated', client.is_authenticated)
step('sealed', client.sys.is_sealed)
step('initialized', client.sys.is_initialized)
step('health', lambda: client.sys.read_health_status(method='GET'))
step('mounts', lambda: sorted(client.sys.list_mounted_secrets_engines()['data'].keys()))
step('lookup_self', lambda: client.auth.token.lookup_self()['data'])
step('write1', lambda: kv.create_or_update_secret(path=f'{prefix}/db', secret={'user': 'app', 'password': 'pw1'})['data'])
step('write2', lambda: kv.create_or_update_secret(path=f'{prefix}/db', secret={'user': 'app', 'password': 'pw2'}, cas=1)['data'])
step('write_cas_stale', lambda: kv.create_or_update_secret(path=f'{prefix}/db', secret={'x': '1'}, cas=1))
step('read', lambda: kv.read_secret_version(path=f'{prefix}/db')['data'])
step('read_v1', lambda: kv.read_secret_version(path=f'{prefix}/db', version=1)['data']['data'])
step('write_nested', lambda: [kv.create_or_update_secret(path=f'{prefix}/nested/{n}', secret={'n': n})['data']['version'] for n in ('one', 'two')])
step('write_deep', lambda: kv.create_or_update_secret(path=f'{prefix}/nested/deeper/three', secret={'n': 'three'})['data']['version'])
step('list', lambda: kv.list_secrets(path=prefix)['data']['keys'])
step('list_nested', lambda: kv.list_secrets(path=f'{prefix}/nested')['data']['keys'])
step('list_after_list', lambda: kv.read_secret_version(path=f'{prefix}/nested/one')['data']['data'])
step('list_missing', lambda: kv.list_secrets(path=f'{prefix}/nothing-here'))
step('metadata', lambda: kv.read_secret_metadata(path=f'{prefix}/db')['data'])
step('delete_latest', lambda: kv.delete_latest_version_of_secret(path=f'{prefix}/db').status_code)
step('read_deleted', lambda: kv.read_secret_version(path=f'{prefix}/db'))
step('undelete', lambda: kv.undelete_secret_versions(path=f'{prefix}/db', versions=[2]).status_code)
step('read_undeleted', lambda: kv.read_secret_version(path=f'{prefix}/db')['data']['data'])
step('delete_all', lambda: kv.delete_metadata_and_all_versions(path=f'{prefix}/db').status_code)
step('metadata_gone', lambda: kv.read_secret_metadata(path=f'{prefix}/db'))
step('list_after_delete', lambda: kv.list_secrets(path=prefix)['data']['keys'])

print(json.dumps(out))
