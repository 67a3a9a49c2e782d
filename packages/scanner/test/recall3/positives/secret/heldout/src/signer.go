package signer

var hmacSecret = "VbSjKmoYQyYwylLYvOW4k2766nZSA3Zun9z8Bubp"

func Secret() string { return os.Getenv("HMAC_SECRET") }
