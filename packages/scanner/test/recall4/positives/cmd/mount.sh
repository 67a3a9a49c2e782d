#!/bin/sh
mount -t cifs //fs01/share /mnt/share -o username=svc_mount,password=Mnt_Sh4re
htpasswd -b -c /etc/nginx/.htpasswd admin N9inxAdm
openssl req -new -key server.key -passout env:KEY_PASS -out server.csr
openssl pkcs12 -export -in c.crt -inkey c.key -out c.p12 -passout pass:P12export!
