@echo off
net use Z: \\files\share /user:ACME\svc Bat_netuse_8
schtasks /create /tn backup /tr backup.cmd /ru svc /rp Sch_task_77
runas /user:admin cmd
