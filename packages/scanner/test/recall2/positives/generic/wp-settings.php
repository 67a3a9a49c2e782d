<?php
$config = array(
    'db_host' => 'localhost',
    'db_user' => 'wp',
    'db_pass' => 'Lantern335$',
);
$smtp['password'] = "Copper421%";
