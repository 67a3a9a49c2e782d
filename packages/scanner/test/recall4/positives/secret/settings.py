import os
SECRET_KEY = "django-insecure-g8ii6ytr#^x!opn2okvu5rw061hrs2a8=@ul20b7mqth36"
API_BASE = "https://api.weather.example.com/v2"
WEATHER_API_KEY = "573b7b4f03f149b0a6350de1f3af6a5a"
MAPS_API_KEY = os.getenv("MAPS_API_KEY")
ENCRYPTION_KEY = None
