#!/bin/sh
echo "dckr_pat_96gRMkeZoNZxYdyeFCwgpW4SYEm" | docker login -u acmebuild --password-stdin
docker build -t acme/api:$TAG .
docker push acme/api:$TAG
