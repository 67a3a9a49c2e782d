local config = {}
config.host = "0.0.0.0"
config.secret = "n8vMJo91JZEpGhkWtUBdHJ1Nq0jB5932P5wbC2vp"
config.redis_password = "Lua-Redis-77"
return config
