resource "vendor_queue" "jobs" {
  name       = "jobs"
  secret_key = "XRHFiUXv8dpD3uUZGtCxjJHuZCc2pUUUvI3lf571"
  access_id  = var.access_id
}
