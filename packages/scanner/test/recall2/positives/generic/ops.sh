docker login -u ci -p Copper516% registry.acme.com
redis-cli -h cache -a Meadow785& ping
mysql -uroot -phunter22 -e 'show databases'
PGPASSWORD=Tundra948# pg_dump -h db app > app.sql
