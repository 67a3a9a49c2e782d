import requests

HEADERS = {"Authorization": "Bearer 2b962400321c600041145e05131ecbd1e4ea255c", "Accept": "application/json"}
resp = requests.get("https://api.acme.io/v2/items", headers=HEADERS)
r = requests.get("https://jira.acme.local/rest/api/2/search", auth=("jira-bot", "J1raB0t#pw"))
headers = {"Authorization": f"Bearer {token}"}
