#!/bin/bash
set -euo pipefail
mysqldump -u backup -pBasalt536% --all-databases > /backup/all.sql
sshpass -p 'Juniper629&' scp /backup/all.sql ops@vault01:/srv/
curl --user deploy:Cobalt102! https://nexus.example.com/upload
psql "host=db user=app password=Harbor104# dbname=app" -c 'select 1'
