resource "tls_private_key" "deploy" {
  algorithm = "ED25519"
}
output "private_key" {
  value     = tls_private_key.deploy.private_key_pem
  sensitive = true
}
ssl_certificate_key = "/etc/ssl/private/server.key"
