INSERT INTO users VALUES (1, 'ada', '$6$64efy.Hl4ndxoc0f$caJ7fWAecJPuMxCkCgbbsTIxYimMPsllJiRHlM1goO6uykgOvhGDWCyqwf2EZ7mGZbI/bne1kD9e4TF/72WP95');
INSERT INTO users VALUES (2, 'bob', '$1$nT3Iie/q$/w8o4YvgMnrKLK7eIZNbk0');
INSERT INTO users VALUES (3, 'cy', '$5$rounds=5000$bo3xjmLCSUkkwW.8$kgOvhGDWCyqwf2EZ7mGZbI/bne1kD9e4TF/72WP9574');
INSERT INTO users VALUES (4, 'di', '$y$j9T$/xEkv5u9dNwHSxXo6hXFFY$GHmHhLgBOTzFW.rjl13/KYE8OHnbd9pAHkZKT6d7urm');
INSERT INTO users VALUES (5, 'ed', '$2b$12$KaMKQG8oaI0pZH2Jp4XiGjn2YQ1Wq2CShqONJohEVoKn3RSWlcldY');
