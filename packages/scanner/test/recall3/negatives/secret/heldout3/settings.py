API_TOKEN = os.getenv("API_TOKEN", None)
SECRET_KEY = os.environ.get("SECRET_KEY", "")
