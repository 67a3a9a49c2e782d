CREATE TABLE users (
  id BIGSERIAL PRIMARY KEY,
  email TEXT NOT NULL,
  password_hash VARCHAR(255) NOT NULL,
  password_reset_token TEXT
);
