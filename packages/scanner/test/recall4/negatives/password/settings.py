import os
DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.postgresql",
        "PASSWORD": os.environ["DB_PASSWORD"],
        "USER": os.getenv("DB_USER", "postgres"),
    }
}
PASSWORD_HASHERS = ["django.contrib.auth.hashers.Argon2PasswordHasher"]
AUTH_PASSWORD_VALIDATORS = [{"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator"}]
EMAIL_HOST_PASSWORD = env("EMAIL_HOST_PASSWORD")
