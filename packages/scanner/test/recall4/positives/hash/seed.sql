INSERT INTO users (email, password_hash, role) VALUES
  ('admin@acme.io', '$2a$12$PiMR5yrdsB2Na0lKKZsc6dCTrWK0Xx6fwMXJ6TH5ehBsDtdyq1gA3', 'admin'),
  ('guest@acme.io', NULL, 'guest');
INSERT INTO auth_user (username, password) VALUES ('ops', 'pbkdf2_sha256$600000$cuMufHJ7OgbCFYAEqagegC$ysqdqgAY4w1QCAxLW3pSYBbyOwn0O4e8LO8ksY7d2f8=');
