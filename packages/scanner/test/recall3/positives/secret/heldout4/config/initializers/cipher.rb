Rails.application.config.cipher_key = "35ebea6e436c1bae1f03fb258bd28bd3b6e7d9b89f13c6c4187762075011bd71"
Rails.application.config.key_derivation = :pbkdf2
