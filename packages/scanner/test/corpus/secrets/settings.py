import os
from pathlib import Path

BASE_DIR = Path(__file__).resolve().parent.parent
SECRET_KEY = 'django-insecure-e501Ut9G16VU7m95y78e1QeXimZPMPyZBq4enl9Z'
DEBUG = False
ANTHROPIC_API_KEY = "sk-ant-api03-msa8eC0GC7j98Xf2x00NtgOODEMwI47oov3SnSLmk5pjY8baXXinZpVmJvdyV9qobiIkfTfOPQedx5S26CjJdiNGA6rkRAA"
CACHES = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache"}}
