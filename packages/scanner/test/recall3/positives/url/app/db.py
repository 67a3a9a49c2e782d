from sqlalchemy import create_engine

engine = create_engine("mysql+pymysql://report:rp0rt@10.2.0.15/analytics")
SMTP_URL = "smtp://alerts%40acme.io:Sm7p%21pw9@smtp.acme.io:587"
engine2 = create_engine(f"postgresql://{user}:{password}@{host}/db")
