def test_rejects_wrong_password(client):
    resp = client.post("/login", data={"user": "alice", "password": "wrong-password"})
    assert resp.status_code == 401

def test_hash(hasher):
    assert hasher.verify("password", hasher.hash("password"))
