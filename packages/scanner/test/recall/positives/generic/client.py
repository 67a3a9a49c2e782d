import smtplib, ftplib
server.login("alerts@acme.io", "Quartz843!")
ftp = ftplib.FTP("ftp.acme.io")
ftp.login("backup", "Em8ber21!")
conn = pymysql.connect("db.acme.io", "app", "Falc0n68!", "shop")
r = requests.get(url, auth=("svc", "Tr0ub4dor75!"))
