var conn = new SqlConnection("Server=.;Database=Shop;User Id=sa;Password=Sa_pw_2291;");
var password = Console.ReadLine();
