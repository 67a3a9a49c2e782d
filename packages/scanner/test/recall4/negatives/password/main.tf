resource "aws_db_instance" "main" {
  username = "orders"
  password = var.db_password
  manage_master_user_password = true
}
resource "random_password" "db" {
  length  = 24
  special = true
}
output "password_arn" { value = aws_secretsmanager_secret.db.arn }
