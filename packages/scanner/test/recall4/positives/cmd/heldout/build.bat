@echo off
set DB_PASSWORD=BatchDb#1
sqlcmd -S sql01 -U sa -P "Sq1cmd!pw" -i schema.sql
net use \\fs01\builds /user:CORP\builder B4tch!Net
set BUILD_NUMBER=%1
