<?php
define('LICENSE_KEY', 'YiTMHIGcPD2AOmucRVtDFYyqemkRc');
define('PLUGIN_KEY_PREFIX', 'acme_');
