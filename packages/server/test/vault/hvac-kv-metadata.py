# hvac (Debian's python3-hvac) on KV v2 metadata and version operations, against a `keyhaven server
# --dev` with no configuration (its `secret/` mount is hvac's default mount_point). Debian's hvac
# (0.11.x) has no custom_metadata argument on update_metadata, so custom_metadata goes through hvac's
# own HTTP adapter (client.adapter.post), as a user of that version does. Prints one JSON object.
# Usage: hvac-kv-metadata.py <url> <token>
import json
import sys

import hvac

url, token = sys.argv[1], sys.argv[2]
client = hvac.Client(url=url, token=token)
kv = client.secrets.kv.v2
out = {}


def step(name, fn):
    try:
        out[name] = {'ok': fn()}
    except Exception as e:
        out[name] = {'error': type(e).__name__, 'message': str(e)}


p = 'hvac/meta'
step('v1', lambda: kv.create_or_update_secret(path=p, secret={'n': '1'})['data']['version'])
step('v2', lambda: kv.create_or_update_secret(path=p, secret={'n': '2'})['data']['version'])
step('v3', lambda: kv.create_or_update_secret(path=p, secret={'n': '3'}, cas=2)['data']['version'])
step('kv_patch', lambda: kv.patch(path=p, secret={'extra': 'x'})['data']['version'])
step('read_patched', lambda: kv.read_secret_version(path=p)['data']['data'])
step('v3b', lambda: kv.create_or_update_secret(path=p, secret={'n': '3'}, cas=4)['data']['version'])
step('update_metadata', lambda: kv.update_metadata(path=p, max_versions=5).status_code)
step('custom_metadata_post', lambda: client.adapter.post(f'/v1/secret/metadata/{p}', json={'custom_metadata': {'owner': 'team-a', 'tier': 'gold'}}).status_code)
step('metadata', lambda: kv.read_secret_metadata(path=p)['data'])
step('read_custom', lambda: kv.read_secret_version(path=p)['data']['metadata']['custom_metadata'])
step('custom_metadata_patch', lambda: client.adapter.request('PATCH', f'/v1/secret/metadata/{p}', json={'custom_metadata': {'tier': None, 'env': 'prod'}}, headers={'Content-Type': 'application/merge-patch+json'}).status_code)
step('metadata_patched', lambda: kv.read_secret_metadata(path=p)['data']['custom_metadata'])
step('delete_latest_versions', lambda: kv.delete_secret_versions(path=p, versions=[5]).status_code)
step('read_deleted', lambda: kv.read_secret_version(path=p))
step('metadata_deleted', lambda: kv.read_secret_metadata(path=p)['data']['versions']['5'])
step('undelete', lambda: kv.undelete_secret_versions(path=p, versions=[5]).status_code)
step('read_undeleted', lambda: kv.read_secret_version(path=p)['data']['data'])
step('delete_old_version', lambda: kv.delete_secret_versions(path=p, versions=[1]))
step('destroy_v1', lambda: kv.destroy_secret_versions(path=p, versions=[1]).status_code)
step('read_destroyed', lambda: kv.read_secret_version(path=p, version=1))
step('metadata_destroyed', lambda: kv.read_secret_metadata(path=p)['data'])
step('metadata_first', lambda: kv.update_metadata(path='hvac/first', max_versions=3).status_code)
step('metadata_first_read', lambda: kv.read_secret_metadata(path='hvac/first')['data'])
step('metadata_first_data', lambda: kv.read_secret_version(path='hvac/first'))
step('metadata_first_write', lambda: kv.create_or_update_secret(path='hvac/first', secret={'a': 'b'}, cas=0)['data']['version'])
step('cas_required', lambda: kv.update_metadata(path=p, cas_required=True))
step('delete_all', lambda: kv.delete_metadata_and_all_versions(path=p).status_code)
step('metadata_gone', lambda: kv.read_secret_metadata(path=p))
step('bad_token', lambda: hvac.Client(url=url, token='kh_nope').secrets.kv.v2.read_secret_version(path='hvac/first'))

print(json.dumps(out))
