kubectl create secret generic db --from-literal=username=app --from-literal=password=Kc_lit_pw41
kubectl create secret generic api --from-literal=token="$API_TOKEN"
export SMTP_PASS="Exp_smtp_88"
curl -fsS https://admin:Crl_url_pw13@jenkins.acme.io/api/json
echo "$CI_JOB_TOKEN" | docker login -u gitlab-ci-token --password-stdin registry.acme.io
