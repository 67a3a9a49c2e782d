var cred = new NetworkCredential("svc_print", "Saffron344!");
var conn = new SqlConnection("Server=sql01;Database=Billing;User Id=billing;Password=Tundra068#;");
