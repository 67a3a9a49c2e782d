region      = "eu-west-1"
db_username = "admin"
db_password = "Tfv4rs_db_pw"
admin_password = ""
