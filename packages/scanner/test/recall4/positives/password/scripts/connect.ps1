param([string]$Server = "sql01")
$secpass = ConvertTo-SecureString "P@ssw0rd!2021" -AsPlainText -Force
$cred = New-Object System.Management.Automation.PSCredential ("CORP\svc_sql", $secpass)
$pw = Read-Host -AsSecureString "Password"
$env:SA_PASSWORD = "Sa_Pass-klaee1jp3v"
Invoke-Sqlcmd -ServerInstance $Server -Credential $cred -Query "SELECT 1"
