package auth

const apiSecret = "8BWyJjHk8UYFnhwJuYoP4dOk2xTO4AWy"

var jwtKey = []byte("MPzD1Hhos0EWX9jXHv0nAdsNanlS")

func key(name string) string { return name + "_key" }
