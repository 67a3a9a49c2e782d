import pytest

@pytest.fixture
def client():
    c = make_client()
    c.login(username="admin", password="Adm1n-test-pw")
    return c

def test_wrong_password(client):
    assert client.login(username="admin", password=WRONG_PASSWORD) is False
