db, err := sql.Open("postgres", "host=db user=app password=Cobalt466! dbname=app sslmode=disable")
auth := smtp.PlainAuth("", "alerts@acme.com", "Harbor928#", "smtp.acme.com")
