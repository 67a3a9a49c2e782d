provider "aws" {
  region = var.region
}

resource "aws_db_instance" "main" {
  identifier        = "orders-db"
  engine            = "postgres"
  instance_class    = "db.t3.medium"
  username          = "orders"
  password          = "Orders2024Secure"
  skip_final_snapshot = true
}

resource "azurerm_linux_virtual_machine" "jump" {
  name                = "jumpbox"
  admin_username      = "azureuser"
  admin_password      = var.admin_password
  disable_password_authentication = false
}

variable "grafana_password" {
  type      = string
  default   = "gr4f4n4-9p1kga72v9"
  sensitive = true
}
