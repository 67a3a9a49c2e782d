#!/bin/sh
mysql -u root -pEm8ber16! app < dump.sql
mysqldump --user=app --password=Falc0n89! app > a.sql
psexec \\\\10.0.0.5 -u Administrator -p Tr0ub4dor91! cmd
keytool -importkeystore -srcstorepass Kest7rel36! -deststorepass Mapl3Leaf70!
sshpass -p 'Rivr9stone91!' ssh deploy@host
openssl pkcs12 -in a.p12 -passin pass:Gl4cier33!
