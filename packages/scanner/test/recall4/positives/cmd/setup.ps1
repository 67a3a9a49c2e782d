net user svc_backup Bkp!Svc2022 /add
$cred = New-Object PSCredential("admin", (ConvertTo-SecureString -String "W9WE8ItrcupAxC" -AsPlainText -Force))
$plain = Read-Host "Enter password"
Invoke-WebRequest -Uri https://nexus.acme.local -Headers @{Authorization = "Basic Z3JhZmFuYTpXdDNzelJGMTIwMjQ="}
