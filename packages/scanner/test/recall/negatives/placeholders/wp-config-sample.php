<?php
define( 'AUTH_KEY',         'put your unique phrase here' );
define( 'DB_PASSWORD', 'password_here' );
