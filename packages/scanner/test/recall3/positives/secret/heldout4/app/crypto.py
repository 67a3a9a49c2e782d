FERNET_KEY = "5VgAUD4N7i2i-nT3Iie-qvR3kpmbDtuiv7Vl7PigIYm="
ENCRYPTION_KEY = Fernet.generate_key()
key = os.environ["KEY"]
cache_key = f"user:{uid}"


class Client:
    def __init__(self, key):
        self.key = key
        self.api_secret = "tSmxcmORxV0Nco5h92sQwF7fAZSQSvgx"
