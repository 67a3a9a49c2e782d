resource "aws_db_instance" "main" {
  engine   = "postgres"
  username = "dbadmin"
  password = "Pg-Adm1n-2024x"
}

variable "replica_password" {
  type      = string
  sensitive = true
}

resource "aws_db_instance" "replica" {
  password = var.replica_password
}
