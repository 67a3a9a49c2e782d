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
EMAIL_HOST_PASSWORD = "51ba3e78ecb216f4a22ea41505a64625-0d8708ad-a9f4c810"
SESSION_COOKIE_SECURE = True
