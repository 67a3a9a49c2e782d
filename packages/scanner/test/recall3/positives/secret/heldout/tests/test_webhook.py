WEBHOOK_SECRET = "whsec_ngwdGEiLwR8kpbcoosBluGWangu6GlD1"
SIGNING_KEY = "0179b4e4c90ffea8fd89935f9bf5b308a5443e952a97341519dc958874f471ee"


def test_signature():
    assert verify(payload, sign(payload, WEBHOOK_SECRET))
