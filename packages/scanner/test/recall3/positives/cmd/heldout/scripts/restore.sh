#!/bin/sh
PGPASSWORD=Rst0re_pg_pw pg_restore -h db -U app -d app dump.sql
mysql --user=root --password="My_rst_2291" < dump.sql
smbclient //files/share -U backup%Smb_bk_551 -c 'ls'
ldapsearch -x -D "cn=admin,dc=acme,dc=io" -w Ld4p_srch_91 -b "dc=acme,dc=io"
export PGPASSWORD="$(cat /run/secrets/pg)"
unzip -P Z1p_arch_77 backup.zip
7z x -pSv3nz_arch_5 backup.7z
