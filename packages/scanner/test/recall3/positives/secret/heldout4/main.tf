provider "acme" {
  api_key = "6h88Snonmqd7oYsIb7McsazGqWCTPRvA"
  region  = "eu"
}
