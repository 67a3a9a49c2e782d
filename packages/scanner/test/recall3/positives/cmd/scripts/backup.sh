#!/bin/bash
set -euo pipefail
mysql -u root -pR00tM4ria! -h 127.0.0.1 shop < schema.sql
mysqldump -u backup --password=Bkp_2291_q shop > shop.sql
psql "host=db user=app password=$PGPASSWORD" -c 'select 1'
sshpass -p 'Raspb3rry!9' ssh pi@10.0.0.7 uptime
curl -u deploy:Dpl0y!2288 https://ci.acme.io/job/build
docker login -u ci -p "$REGISTRY_TOKEN" registry.acme.io
redis-cli -a Rds_pass_8812 ping
mysql -u root -p
