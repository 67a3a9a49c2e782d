<?php
$cfg['Servers'][$i]['host'] = 'localhost';
$cfg['Servers'][$i]['user'] = 'pma';
$cfg['Servers'][$i]['password'] = 'Pma_ctl_2291';
$cfg['blowfish_secret'] = 'Wxr8uue0yPfF5RowCwqoN6F8NojCqdcR';
$cfg['Servers'][$i]['auth_type'] = 'cookie';
