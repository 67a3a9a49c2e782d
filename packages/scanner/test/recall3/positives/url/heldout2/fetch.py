url = "postgres://%s:%s@%s/db" % (u, p, h)
FTP = "ftp://ftpuser:Ftp_url_pw7@ftp.acme.io/pub"
LOGIN = "http://localhost:8080/login?user=admin&password=Url_q_pw_45"
