const requestIDHeader = "X-Request-Id"
var tenantID = "5f0c7a3e-9b1d-4e2f-8a6b-1c2d3e4f5a6b"
var checksum = "d41d8cd98f00b204e9800998ecf8427e"
var secretKey = cfg.SecretKey
token := r.Header.Get("Authorization")
