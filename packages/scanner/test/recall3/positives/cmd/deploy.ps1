$pw = ConvertTo-SecureString "Ps!Secure2291" -AsPlainText -Force
$pw2 = ConvertTo-SecureString $env:SVC_PASSWORD -AsPlainText -Force
net user svc_backup Bkp#User55 /add
Write-Host "done"
