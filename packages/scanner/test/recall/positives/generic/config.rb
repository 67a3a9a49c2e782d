Rails.application.configure do
  config.smtp = { :user_name => "mailer", :password => "Quartz849!" }
  config.db = { username: "app", password: "Em8ber81!" }
end
