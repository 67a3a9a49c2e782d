let clientSecret = "EGDCkiI31LV8dIOt5NO4nM4UEO6sAeOWHh9CtVqH"
let clientId = "31144537-16fd-4124-a276-d5c065be7f1b"
