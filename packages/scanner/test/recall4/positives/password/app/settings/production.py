import os
from .base import *

DEBUG = False
ALLOWED_HOSTS = ["shop.internal.example.org"]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "shop",
        "USER": "shop_app",
        "PASSWORD": "Summer2023!",
        "HOST": "db-primary.internal",
        "PORT": "5432",
    },
    "replica": {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "shop",
        "USER": "shop_ro",
        "PASSWORD": os.environ.get("REPLICA_DB_PASSWORD", ""),
        "HOST": "db-replica.internal",
    },
}
EMAIL_HOST = "smtp.mailgun.org"
EMAIL_HOST_USER = "postmaster@mg.example.org"
EMAIL_HOST_PASSWORD = "a8625d84d75fbb4deef904447203ca1f-b0729a3d-5354bc0e"
SESSION_COOKIE_SECURE = True
