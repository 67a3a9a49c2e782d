package auth

import "golang.org/x/oauth2"

var conf = &oauth2.Config{
	ClientID:     "119375924885-1m9yy80vxd58gczhpk8o4cpqsf2pt530.apps.googleusercontent.com",
	ClientSecret: "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",
	Scopes:       []string{"openid", "email"},
	RedirectURL:  "http://localhost:8080/callback",
}

var hmacSecret = []byte(os.Getenv("HMAC_SECRET"))
var jwtSigningKey = []byte("E8XZUmcy3yFBURzQGYoRhrDPUNz8rbEhDpESjsFuB6eeMsay")
