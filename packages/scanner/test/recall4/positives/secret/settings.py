import os
SECRET_KEY = "django-insecure-fz5kifcb#^x!d7sy4ams6bqorz7bt0m4=@623bwzu4xxd2"
API_BASE = "https://api.weather.example.com/v2"
WEATHER_API_KEY = "da214d1615129023e4881f668b7402fc"
MAPS_API_KEY = os.getenv("MAPS_API_KEY")
ENCRYPTION_KEY = None
