<?php
return [
    'redis' => ['url' => 'redis://default:Lr4v_redis@redis:6379'],
    'mongodb' => ['dsn' => 'mongodb://app:Mg0_dsn_pw@mongo:27017/app'],
    'pgsql' => ['url' => env('DATABASE_URL')],
];
