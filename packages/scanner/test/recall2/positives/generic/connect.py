import pymysql, paramiko

conn = pymysql.connect(host="10.0.0.5", user="report", password="Lantern398$", db="sales")
ssh = paramiko.SSHClient()
ssh.connect("bastion", username="ops", password="Copper820%")
client.login("svc-sync", "Meadow440&")
