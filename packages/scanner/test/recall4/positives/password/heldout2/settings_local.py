CACHES = {"default": {"BACKEND": "django_redis.cache.RedisCache", "LOCATION": "redis://127.0.0.1:6379/1"}}
CELERY_BROKER_PASSWORD = 'c3l3ry-Br0ker'
LDAP_AUTH_CONNECTION_PASSWORD = "Ld4p_Bind_bbo8mj"
AUTH_LDAP_BIND_PASSWORD = get_secret("ldap")
