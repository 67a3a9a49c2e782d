package auth

import "golang.org/x/oauth2"

var conf = &oauth2.Config{
	ClientID:     "913412881773-kb8fl3x7muk4o3pnw5l6v4s8f3atvbgx.apps.googleusercontent.com",
	ClientSecret: "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",
	Scopes:       []string{"openid", "email"},
	RedirectURL:  "http://localhost:8080/callback",
}

var hmacSecret = []byte(os.Getenv("HMAC_SECRET"))
var jwtSigningKey = []byte("WnjNath07tI12jNuY93lPfc77im1lldJ5h1RLzBRo1YM05zF")
