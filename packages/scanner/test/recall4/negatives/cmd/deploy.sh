#!/bin/bash
mysql -u root -p"${MYSQL_ROOT_PASSWORD}" < schema.sql
mysql -u app -p < schema.sql
sshpass -e ssh deploy@host
curl -u "${API_USER}:${API_PASS}" https://api.acme.local
echo "$REGISTRY_PASSWORD" | docker login -u ci --password-stdin
PGPASSWORD="$PGPASS" psql -h db -U app
