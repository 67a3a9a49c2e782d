provider "newrelic" {
  account_id = 3345121
  api_key    = "NRAK-A1Y8OPRFIXFPSUFDCA0TE32SQ98"
  region     = "EU"
}
provider "datadog" {
  api_key = var.datadog_api_key
  app_key = "3b94bd89ceff97cf6bd3332dcc7d9e009b927215"
}
