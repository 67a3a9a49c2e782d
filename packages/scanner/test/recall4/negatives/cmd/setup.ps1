$secure = Read-Host -AsSecureString "Password"
$cred = Get-Credential
$pw = ConvertTo-SecureString $env:SVC_PASSWORD -AsPlainText -Force
