<?php
define( 'DB_NAME', 'blog' );
define( 'DB_PASSWORD', 'Orchid728$' );
define('AUTH_KEY',         '<r1M2gBLVlkCYpyjpxElI>zoPY8LmPhuLzu9Tw4xw3|itaNbASnx7');
define('SECURE_AUTH_SALT', '5R7CI2uhPYoRICOSJjIX632w<]2tqyUSm80ikHNsbkuqaqXWoP');
