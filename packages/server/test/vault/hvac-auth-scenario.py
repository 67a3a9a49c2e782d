# Drives Keyhaven's machine-identity logins with hvac (Debian's python3-hvac), as a Python user
# would: AppRole administration and login, renew-self, revoke-self, then Kubernetes and JWT logins
# with the tokens the test hands in. Prints one JSON object: each step's result, or the hvac
# exception it raised. Usage: hvac-auth-scenario.py <url> <root-token> <k8s-jwt|-> <ci-jwt|->
import json
import sys

import hvac

url, root, k8s_jwt, ci_jwt = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4]
admin = hvac.Client(url=url, token=root)
out = {}


def step(name, fn):
    try:
        out[name] = {'ok': fn()}
    except Exception as e:  # hvac raises typed errors (InvalidRequest = 400, Unauthorized = 401, Forbidden = 403, ...)
        out[name] = {'error': type(e).__name__, 'message': str(e)}


ar = admin.auth.approle
step('create_role', lambda: ar.create_or_update_approle('hvac-app', token_policies=['read'], token_ttl='10m', token_max_ttl='1h', secret_id_num_uses=2).status_code)
step('read_role', lambda: ar.read_role('hvac-app')['data']['token_policies'])
step('role_id', lambda: ar.read_role_id('hvac-app')['data']['role_id'])
role_id = out['role_id'].get('ok', 'none')
step('secret_id', lambda: sorted(ar.generate_secret_id('hvac-app', metadata={'host': 'py'}, cidr_list=['127.0.0.0/8'])['data'].keys()))
sid = ar.generate_secret_id('hvac-app')['data']
step('accessors', lambda: sid['secret_id_accessor'] in ar.list_secret_id_accessors('hvac-app')['data']['keys'])

app = hvac.Client(url=url)
step('login', lambda: {k: v for k, v in app.auth.approle.login(role_id, sid['secret_id'])['auth'].items() if k != 'client_token'})
step('token_set', lambda: app.token is not None and app.token.startswith('khv_'))
step('authenticated', app.is_authenticated)
step('lookup_self', lambda: {k: v for k, v in app.auth.token.lookup_self()['data'].items() if k in ('accessor', 'policies', 'meta', 'renewable', 'creation_ttl', 'explicit_max_ttl', 'path')})
step('renew_self', lambda: app.auth.token.renew_self()['auth']['lease_duration'])
step('kv_write_denied', lambda: app.secrets.kv.v2.create_or_update_secret(path='hvac-auth/x', secret={'a': 'b'}))
step('revoke_self', lambda: app.auth.token.revoke_self().status_code)
step('after_revoke', app.is_authenticated)
step('login_again', lambda: bool(hvac.Client(url=url).auth.approle.login(role_id, sid['secret_id'])['auth']['client_token']))
step('login_replayed', lambda: hvac.Client(url=url).auth.approle.login(role_id, sid['secret_id']))
step('login_bad', lambda: hvac.Client(url=url).auth.approle.login(role_id, 'khs_not-issued'))
step('login_unknown_role', lambda: hvac.Client(url=url).auth.approle.login('00000000-0000-0000-0000-000000000000', sid['secret_id']))
step('destroy_accessor', lambda: ar.destroy_secret_id_accessor('hvac-app', sid['secret_id_accessor']).status_code)

if k8s_jwt != '-':
    k = hvac.Client(url=url)
    step('k8s_login', lambda: k.auth.kubernetes.login('pods', k8s_jwt)['auth']['metadata'])
    step('k8s_authenticated', k.is_authenticated)
    step('k8s_wrong_role', lambda: hvac.Client(url=url).auth.kubernetes.login('nope', k8s_jwt))
if ci_jwt != '-':
    j = hvac.Client(url=url)
    step('jwt_login', lambda: j.auth.jwt.jwt_login('gha', ci_jwt)['auth']['metadata'])
    step('jwt_authenticated', j.is_authenticated)
    step('jwt_wrong_role', lambda: hvac.Client(url=url).auth.jwt.jwt_login('nope', ci_jwt))

print(json.dumps(out))
