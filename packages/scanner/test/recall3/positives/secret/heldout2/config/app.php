<?php
return [
    'key' => env('APP_KEY', 'base64:AoAIxzbUv02cFaPAcubXkoSeckvp1JPo00u6iFcx63E='),
    'cipher' => 'AES-256-CBC',
];
