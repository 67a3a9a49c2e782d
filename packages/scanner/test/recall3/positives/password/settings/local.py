import os
from .base import *  # noqa

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.mysql",
        "NAME": "inventory",
        "USER": "inv_app",
        "PASSWORD": "q7Rt!mZ2pL",
        "HOST": "db.internal",
    }
}
EMAIL_HOST_USER = "noreply@acme-mail.org"
EMAIL_HOST_PASSWORD = os.environ.get("EMAIL_HOST_PASSWORD", "")
AUTH_PASSWORD_VALIDATORS = [{"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"}]
