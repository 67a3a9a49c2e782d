-- initial roles
CREATE USER 'app'@'%' IDENTIFIED BY 'Ap9-Sql-Pass';
GRANT SELECT, INSERT, UPDATE ON shop.* TO 'app'@'%';
ALTER USER postgres WITH PASSWORD 'pgSuper2022';
CREATE USER readonly WITH PASSWORD :'readonly_password';
-- password column is hashed by the application
ALTER TABLE users ADD COLUMN password_hash VARCHAR(255) NOT NULL;
