<?php
class JConfig {
    public $user = 'joomla';
    public $password = 'Jml_db_pw11';
    public $secret = 'euIvlll2wwVQ1dnM';
    public $mailer = 'smtp';
}
