#!/bin/bash
git clone https://deploy:Gt_dpl_881@gitlab.acme.io/ops/infra.git
git clone https://960067c6c2fd734f2699b687c0e4206e82efb103:x-oauth-basic@github.com/acme/private.git
git remote set-url origin "https://$GIT_USER:$GIT_TOKEN@github.com/acme/site.git"
