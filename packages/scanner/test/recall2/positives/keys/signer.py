PRIVATE_KEY = (
    "-----BEGIN RSA PRIVATE KEY-----\n"
    "MIIEpAu4nwTmlClK674Dl0fvMd3M0FITQilfT2cmQRrCoFeseoPj4/kFAq+UrAZt\n"
    "DjOMcsSvXvhZZUL8x2XWNryfWtg58BNmDeM/ySXY6TX8vKvxUSi1vJ/AuJj81jVD\n"
    "-----END RSA PRIVATE KEY-----\n"
)
