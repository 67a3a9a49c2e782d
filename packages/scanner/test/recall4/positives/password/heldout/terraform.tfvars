region        = "eu-west-1"
instance_type = "t3.small"
db_password   = "TfV4rs-db-pw"
admin_cidr    = "203.0.113.0/24"
