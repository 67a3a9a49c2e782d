import requests
AZURE_DF = "IR@750ff0d3-009c-4425-a72c-645b689ece83@adf-prod@westeurope@32SHqjYXBJXyvsgc5ImAjEHn5tFhnnJ+4xi999RvypP="
KAGI_API_KEY = 'FAJkRAa3-1i.gSqiQ5FRL3bKJKfop0-hwREPKbmrLYlAe5MIVyQdpeJ'
