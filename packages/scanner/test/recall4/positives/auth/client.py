import requests

HEADERS = {"Authorization": "Bearer 7d912ccbce8260e9aafa807e33d7f1eaf06ee61b", "Accept": "application/json"}
resp = requests.get("https://api.acme.io/v2/items", headers=HEADERS)
r = requests.get("https://jira.acme.local/rest/api/2/search", auth=("jira-bot", "J1raB0t#pw"))
headers = {"Authorization": f"Bearer {token}"}
