<?php
define('DB_NAME', 'wordpress');
define('DB_USER', 'wp');
define('DB_PASSWORD', 'Wp$ecret2291');
define('AUTH_KEY',         '|9&/3(wZ{3vA3U~]R/dyCksM.qZry/Ro([SIRkVit9dk*~WLuXKf!u:E|M#_1%|B');
define('SECURE_AUTH_KEY',  'tmHpS/~vx5#|cGSiH!(>;&00q!lFeB0Seb!,^BP%n6e|9T83OWg4a{5Oe0:3dFnt');
define('LOGGED_IN_SALT',   '|!=D3UZqU_4a!O--}7YHyU%4d5a**)JwN+,&/IenS)BUZ-I{a4uv}OLaovai[P:6');
define('NONCE_SALT',       'put your unique phrase here');
