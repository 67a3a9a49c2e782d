$pw = ConvertTo-SecureString -String "R3st0re!Pw" -AsPlainText -Force
Invoke-Sqlcmd -ServerInstance sql01 -Username sa -Password 'Sa!Restore9' -Query "RESTORE DATABASE x"
New-LocalUser -Name "svc_restore" -Password (ConvertTo-SecureString "Svc-Rest0re" -AsPlainText -Force)
$cred = Get-Credential -UserName "CORP\admin"
