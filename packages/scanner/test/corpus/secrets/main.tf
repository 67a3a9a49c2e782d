provider "github" {
  token = "ghp_6cdGCjsLp08PphIvprNXe1Nu6pa7An1GQa95"
  owner = "acme"
}

provider "digitalocean" {
  token = "dop_v1_a24595f3bedef890f10583eb6bfc54e50c924d9ed4d76c07d3dac31ef97d40d4"
}

resource "datadog_monitor" "cpu" {
  name = "cpu high"
}

locals {
  datadog_api_key = "19830cf02a6f20abea71039d48cb85b6"
}
