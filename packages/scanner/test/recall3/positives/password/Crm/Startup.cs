public class Startup
{
    private const string Cs = "Server=sql01;Database=Crm;User Id=crm;Password=Crm#Pass77;";
    public void Configure(IdentityOptions options)
    {
        options.Password.RequireDigit = true;
        options.Password.RequiredLength = 12;
    }
}
