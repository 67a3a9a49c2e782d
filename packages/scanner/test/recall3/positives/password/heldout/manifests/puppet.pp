mysql::db { 'shop':
  user     => 'shop',
  password => 'Pupp3t_db_pw',
  host     => 'localhost',
}
