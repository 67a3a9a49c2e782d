use DBI;
my $dsn = "DBI:mysql:database=crm;host=localhost";
my $dbh = DBI->connect($dsn, "crm", "Perl_Crm_99", { RaiseError => 1 });
my $pass = $ENV{CRM_PASS};
