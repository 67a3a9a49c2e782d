<?php
return [
  'db' => [
    'host' => 'localhost',
    'password' => 'Em8ber03!',
  ],
  'mail_pass' => "Falc0n43!",
];
