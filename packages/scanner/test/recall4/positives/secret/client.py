import requests

class PaymentsClient:
    BASE = "https://api.paygate.example/v1"

    def __init__(self, api_key=None):
        self.api_key = api_key or "pk_qa36ff7u_84d0aaa9fc833c1eac8f661b"
        self.session = requests.Session()

    def charge(self, amount):
        headers = {"X-Api-Key": "ce4c0a2344c98776e75aaf8bdd389e0a5ed06893"}
        return self.session.post(self.BASE + "/charge", json={"amount": amount}, headers=headers)

token = get_token()
api_key = settings.API_KEY
