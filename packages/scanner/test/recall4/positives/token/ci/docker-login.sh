#!/bin/sh
echo "dckr_pat_UfLTbOaJxG4Fu9DLXWd11ltYe8b" | docker login -u acmebuild --password-stdin
docker build -t acme/api:$TAG .
docker push acme/api:$TAG
