Rails.application.configure do
  config.smtp = { user_name: "mailer", password: "Tundra232#", address: "smtp.example.com" }
  config.redis = { url: ENV["REDIS_URL"] }
end
CREDS = { :api_secret => "Y4178V27jQqsb3DLycpPsh5nj0qj" }
