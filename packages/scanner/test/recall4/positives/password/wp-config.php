<?php
/** The name of the database for WordPress */
define( 'DB_NAME', 'wordpress' );

/** Database username */
define( 'DB_USER', 'wp_user' );

/** Database password */
define( 'DB_PASSWORD', 'k8#Fz!q2Wm@L' );

/** Database hostname */
define( 'DB_HOST', 'localhost' );

define( 'AUTH_KEY',         'srrClapXPh9VcDjKOp3uoxsTZb7szQjuNf74IEv9#x)(shnMkhHIsfcmbXVw9' );
define( 'SECURE_AUTH_KEY',  'wgpj3x3CMbkRUrM7Q8vOSTx0IBmluC@[WFF59MRGbbmjZC9QoKuOkr' );
define( 'NONCE_KEY',        'put your unique phrase here' );
$table_prefix = 'wp_';
