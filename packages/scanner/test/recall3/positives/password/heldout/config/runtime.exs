config :shop, Shop.Repo,
  username: "shop",
  password: "Eli_xir_pw42",
  hostname: System.get_env("DB_HOST")

config :shop, Shop.Mailer, password: System.fetch_env!("SMTP_PASSWORD")
