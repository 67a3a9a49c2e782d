#!/bin/bash
git clone https://oauth2:DCqirVerWtRIJ-59-333@gitlab.acme.dev/infra/bootstrap.git
pip install --index-url https://pypi-user:Pyp1Mirror!@nexus.acme.local/repository/pypi/simple acme-tools
curl -fsSL https://get.docker.com | sh
wget ftp://backup:bkp2018x@files.acme.local/dump.sql.gz
