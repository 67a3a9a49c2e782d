import secrets
SECRET_KEY = os.environ["DJANGO_SECRET_KEY"]
token = secrets.token_urlsafe(32)
api_key = request.headers.get("X-Api-Key")
def get_secret(name): return client.access_secret_version(name=name).payload.data
GIT_COMMIT = "3f1e2d4c5b6a79880f1e2d3c4b5a69788f7e6d5c"
