<?php
return [
    'driver' => 'smtp',
    'host' => 'smtp.office365.com',
    'username' => 'reports@contoso-mail.com',
    'password' => 'Basalt_7720!',
    'encryption' => 'tls',
];
$config['db_password'] = getenv('DB_PASSWORD');
$dbpass = "m4r1n3r0ad";
$pass = $_POST['password'];
