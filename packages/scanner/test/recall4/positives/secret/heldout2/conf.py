# sphinx-like site config with a deploy token
project = "acme-docs"
github_token = "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"
algolia_search_api_key = "ed823f183b6812c50e0a5d0ed646fbd3"
html_theme = "furo"
