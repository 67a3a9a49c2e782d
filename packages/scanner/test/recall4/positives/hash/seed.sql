INSERT INTO users (email, password_hash, role) VALUES
  ('admin@acme.io', '$2a$12$3idiVvnUZ8nWgxON8M6yLk1NiWjVj5i66qpVUxifH5zxHGAb42Qn2', 'admin'),
  ('guest@acme.io', NULL, 'guest');
INSERT INTO auth_user (username, password) VALUES ('ops', 'pbkdf2_sha256$600000$sgjcdekwzX8DWmqrkqWX3l$wfxbT7l2nH3lD6f8fEYAgEFAW1tmJ483/7TiDx5aHJI=');
