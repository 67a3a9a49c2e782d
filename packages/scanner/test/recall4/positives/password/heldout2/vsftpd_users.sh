#!/bin/bash
echo -e "ftpuser\nFtp#User2020" > /etc/vsftpd/virtual_users.txt
useradd -m ftpuser
echo "ftpuser:Ftp#User2020" | chpasswd
