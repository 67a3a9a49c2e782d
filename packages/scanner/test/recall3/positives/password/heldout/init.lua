local redis = require("redis")
local client = redis.connect("cache", 6379)
client:auth("Lu4_redis_pw")
local password = os.getenv("REDIS_PASSWORD")
