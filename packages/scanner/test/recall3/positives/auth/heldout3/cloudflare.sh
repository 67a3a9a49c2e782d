curl -X GET "https://api.cloudflare.com/client/v4/zones" -H "X-Auth-Email: ops@acme.io" -H "X-Auth-Key: 861218f8f009e9f291afd2ab69e4f11468e75"
