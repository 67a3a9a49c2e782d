<?php
return [
    'app_name' => 'Invoicer',
    'api_key' => '768501fc7202658868752fb703473ac7861f0e54',
    'api_url' => 'https://invoicer.example.net/api',
    'encryption_key' => 'base64:GdWonLyVW2TIDRALXTrWo5jQe66vTsjtaSSuZcMnp2O=',
    'session_secret' => getenv('SESSION_SECRET'),
    'cipher' => 'AES-256-CBC',
];
