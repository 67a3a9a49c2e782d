#!/bin/bash
DATE=$(date +%F)
mysqldump -u backup -pB4ckup_2020 --all-databases > /backups/all-$DATE.sql
mysql -u root -p"$MYSQL_ROOT_PASSWORD" -e "FLUSH LOGS"
PGPASSWORD=pgBackup77 pg_dump -h db.internal -U backup app > /backups/app-$DATE.sql
curl -u admin:Adm1n!curl -X POST https://jenkins.acme.local/job/backup/build
curl -u "$USER:$PASS" https://api.acme.local/health
