ansible-playbook site.yml -e "ansible_password=Ans_cli_pw2"
psql postgresql://app:Psql_url_9@db/app -c 'select 1'
sqlcmd -S db -U sa -P Sqlcmd_P_88 -Q "select 1"
java -Djavax.net.ssl.keyStorePassword=Jks_sys_pw5 -jar app.jar
echo Ech0_pipe_pw | docker login -u ci --password-stdin registry.acme.io
az login -u admin@acme.io -p Az_login_77
ldapadd -x -D cn=admin -w $LDAP_PW -f users.ldif
git config --global credential.helper store
mysql -h db -uroot -p'My_quoted_pw' app
helm install web ./chart --set auth.password=Hlm_set_pw9
