provider "newrelic" {
  account_id = 3345121
  api_key    = "NRAK-EILNQPGVWYKMQ1F94WCD0334GRV"
  region     = "EU"
}
provider "datadog" {
  api_key = var.datadog_api_key
  app_key = "edfba1d69bca6163439efa151f9227a1891029ff"
}
