r = requests.get(url, auth=HTTPBasicAuth('api', 'Req_basic_77'))
r2 = requests.get(url, auth=HTTPBasicAuth(user, password))
