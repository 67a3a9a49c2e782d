read -s -p "Password: " PASSWORD
export PGPASSWORD="$PASSWORD"
mysql -u "$DB_USER" -p"$DB_PASS" app
TOKEN=$(vault kv get -field=token secret/ci)
docker login -u ci --password-stdin < /run/secrets/registry
