import Config
config :shop, ShopWeb.Endpoint,
  url: [host: "shop.acme.io"],
  secret_key_base: "s0VDb+Tf8VClfYeMKiYI28w8YYX5vROsua4nh4fz/sHBIl9walhX8epYgAWPXByy"
config :shop, Shop.Repo,
  username: "shop",
  password: "ex_shop_db_9",
  pool_size: 10
