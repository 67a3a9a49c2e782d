ldapsearch -x -D "cn=admin,dc=acme,dc=local" -w Ld4pAdm1n -b "dc=acme,dc=local"
rsync -av --password-file=<(echo Rsync!Pw1) backup@nas::data /data
wget --user=mirror --password=M1rr0r-Pw https://mirror.acme.local/iso/
7z a -pZ1pArch1ve backup.7z /data
openssl enc -aes-256-cbc -in a.tar -out a.enc -k Enc-Pa55phrase
mysql --defaults-extra-file=/etc/mysql/backup.cnf -e "show databases"
