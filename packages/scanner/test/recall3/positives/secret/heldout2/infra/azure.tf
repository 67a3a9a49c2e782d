provider "azurerm" {
  client_id     = "331970e3-cb3b-41cb-ae4f-fe854c476542"
  client_secret = "91rQvnBb3SfdKcR8bmTfYcS7Bc3ICDYGUy"
  tenant_id     = "507e6f3e-80d6-4e22-a6ed-94d454a3f126"
}
