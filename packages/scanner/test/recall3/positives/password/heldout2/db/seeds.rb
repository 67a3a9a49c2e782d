User.create!(email: "admin@acme.io", password: "Seed_pw_991", password_confirmation: "Seed_pw_991")
User.create!(email: "guest@acme.io", password: SecureRandom.hex(16))
