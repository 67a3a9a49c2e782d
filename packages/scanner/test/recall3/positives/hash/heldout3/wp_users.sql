INSERT INTO wp_users (ID, user_login, user_pass) VALUES (1, 'admin', '$P$BOWh4DrMMDZxGLH/vXODX6uRGdW5nck');
