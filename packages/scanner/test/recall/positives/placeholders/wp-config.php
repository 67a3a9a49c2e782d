<?php
define('AUTH_KEY',         '}^j=2hWX:1v)Z<R=.[5!aUluz]5FVzfJdManAR$3vD:)+iC,3WmlYK{p.d[YXl(a');
define('SECURE_AUTH_KEY',  'x<*[5RX01D+E}uC8im[.=cDNSv[(#y2LYS+16y_1%NbNy*OH3gg}B>jWQ9^ld<_Lf3');
define('LOGGED_IN_SALT',   '{{=]3-j;y(9C>E?Z+pks8ozla4Z0ce{d}Wnq)<yg0}q]R>Q97>GxOQewGow{C*d4]%${');
define('DB_PASSWORD', 'a<b>WkcKHH2K');
