<?php
/** The name of the database for WordPress */
define( 'DB_NAME', 'wordpress' );

/** Database username */
define( 'DB_USER', 'wp_user' );

/** Database password */
define( 'DB_PASSWORD', 'k8#Fz!q2Wm@L' );

/** Database hostname */
define( 'DB_HOST', 'localhost' );

define( 'AUTH_KEY',         'Ffe1V4fAqpcu8usnjAAy+LQZl0p0UZiPGxdF2una#x)(sZUMHCv78J0KQ2MSC' );
define( 'SECURE_AUTH_KEY',  'HHaNc7BrPr8Ge57N1Zjw2Q5HVZRR2o@[cK4skXlSSTQNae68eBj3Rp' );
define( 'NONCE_KEY',        'put your unique phrase here' );
$table_prefix = 'wp_';
