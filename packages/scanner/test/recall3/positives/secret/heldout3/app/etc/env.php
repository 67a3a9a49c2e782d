<?php
return [
    'crypt' => ['key' => 'c49915648141f5eb0d1f84993715c26e'],
    'db' => ['connection' => ['default' => ['password' => 'Mgt_db_pw_16']]],
];
