INSERT INTO users (id, email, password_hash) VALUES (1, 'alice@acme.io', '$2a$12$x9.NTNsZsQu2G.0c.XZCPmiuCYX.QpPiSpTEbD3adMj5qwzBbzKS/');
INSERT INTO users (id, email, password_hash) VALUES (2, 'bob@acme.io', NULL);
INSERT INTO auth_user (username, password) VALUES ('admin', 'pbkdf2_sha256$260000$EuLIwjZW1wnFC2Ufh5N4k5$PyocPFLpS8fdWbljV0spMN29rHxgRWmqXGYiF6NBXrf=');
CREATE USER 'legacy'@'%' IDENTIFIED BY PASSWORD '*1B99CCDBF9E75F9ACAAFE5D48ED36F793571DB99';
