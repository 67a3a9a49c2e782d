CELERY_BROKER_URL = "redis://default:DaERmeBKYIGtskdZMMB6Wdvb@redis-12345.c1.eu-west-1-1.ec2.cloud.redislabs.com:12345"
SQLALCHEMY_DATABASE_URI = "mysql+pymysql://flask:Fl4sk2020@10.0.0.12/flask"
MONGO_URI = os.environ.get("MONGO_URI", "mongodb://localhost:27017/dev")
DOCS_URL = "https://user:password@host/path is the format"
