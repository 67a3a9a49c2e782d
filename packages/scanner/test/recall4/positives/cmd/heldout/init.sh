#!/bin/bash
docker run -d -e POSTGRES_PASSWORD=DockRunPg1 postgres:15
kubectl create secret generic db --from-literal=password=K8sL1teral!
az login --service-principal -u 678bddcd-f2d5-718d-6966-ec095550142a -p zs68Q~JSycflKNSBNvRi4mO9kQE1jmxzAELS01xC --tenant acme.onmicrosoft.com
echo "deploy:D3pl0yCh!" | chpasswd
mongosh "mongodb://localhost" -u admin -p 'M0ngoSh3ll' --authenticationDatabase admin
psql "postgresql://app:PsqlUr1pw@db:5432/app" -c 'select 1'
smbclient //fs01/share -U svc%SmbCl1ent -c ls
docker run -e POSTGRES_PASSWORD="$PG_PASS" postgres:15
