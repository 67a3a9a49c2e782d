import requests

class PaymentsClient:
    BASE = "https://api.paygate.example/v1"

    def __init__(self, api_key=None):
        self.api_key = api_key or "pk_mmc6c6s2_0052c8a6a59789d451371107"
        self.session = requests.Session()

    def charge(self, amount):
        headers = {"X-Api-Key": "0f2e57df9c0b91584cb5f769f5726756d82a59c1"}
        return self.session.post(self.BASE + "/charge", json={"amount": amount}, headers=headers)

token = get_token()
api_key = settings.API_KEY
