provider "cloudflare" {
  api_token = "j_SJ25iZL4IG7TehSq5eEEsZ8uwV4Utv6NvbW6Op"
}

resource "github_actions_secret" "npm" {
  repository      = "web"
  secret_name     = "NPM_TOKEN"
  plaintext_value = "npm_6SuJ5F0fRgvyUXpIqwXkgsckbwqfHKNQpim9"
}

variable "region" { default = "eu-west-1" }
