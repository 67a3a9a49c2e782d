<?php
return [
    'app_name' => 'Invoicer',
    'api_key' => 'f21dc49eedd39cd8ad85c9873ff4cf4a8cf4ca25',
    'api_url' => 'https://invoicer.example.net/api',
    'encryption_key' => 'base64:5wkb/m7eHIQLTvOvIf8Vgd7oEVYxx7AkX+b76xnasEY=',
    'session_secret' => getenv('SESSION_SECRET'),
    'cipher' => 'AES-256-CBC',
];
