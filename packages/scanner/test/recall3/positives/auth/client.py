import requests

HEADERS = {"Authorization": "Token c9fcc5830e1b3e82017245a8a4ff0b0506a47099"}
headers = {"Authorization": f"Bearer {token}"}
r = requests.get(URL, headers={"X-Api-Key": "q1QviR2r865obQPWncmb6NLuxjc9FYmP"})
