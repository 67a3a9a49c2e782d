my $dbh = DBI->connect("dbi:mysql:shop", "shop", "P3rl_db_881");
my $pass = $ENV{DB_PASS};
