import pytest


def test_login(client):
    resp = client.post("/login", data={"username": "alice", "password": "W0nderland!"})
    assert resp.status_code == 200


def test_wrong_password(client):
    resp = client.post("/login", data={"username": "alice", "password": password_for("alice")})
    assert resp.status_code == 401
