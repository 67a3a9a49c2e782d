resource "tls_private_key" "generated" { algorithm = "RSA" }

locals {
  legacy_key = <<EOT
-----BEGIN RSA PRIVATE KEY-----
UTcg+AOgSKEOefXhM3Ta98EV5oqWfMoEkcLw0DH+/+nuYd1rAgPiz3WvBxxulDRG
SD/fcDRnajWWIUEAKys1bsNY0Q429QO/xEkv5u9dNwHSxXo6hXFFYIZbvpKnRfpW
jEn17k3bQGRQC6pVF4tm8/H7gkM8dvnkbYeEl6/0Uqnn0k2GUgHRJF/QIYGy+BoZ
2ZedQrQbIIRq5re5tmXpe6TyRq0HJZg2kqzN4uT4qQ69NadaDa8kmxOPrX8Ph36v
-----END RSA PRIVATE KEY-----
EOT
}
