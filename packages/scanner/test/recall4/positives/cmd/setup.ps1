net user svc_backup Bkp!Svc2022 /add
$cred = New-Object PSCredential("admin", (ConvertTo-SecureString -String "9olBe60BIFeAqL" -AsPlainText -Force))
$plain = Read-Host "Enter password"
Invoke-WebRequest -Uri https://nexus.acme.local -Headers @{Authorization = "Basic mmwH14UIpAw6bY+q65rdi875MGb8"}
