using System.Data.SqlClient;

namespace Acme.Reports
{
    class Program
    {
        const string ConnectionString = "Server=sql01.corp.local;Database=Reports;User Id=report_user;Password=R3p0rt$2019;";
        static string AdminPassword => Environment.GetEnvironmentVariable("REPORTS_ADMIN_PASSWORD");

        static void Main(string[] args)
        {
            var builder = new SqlConnectionStringBuilder(ConnectionString);
            builder.Password = "xT9vQm2LpR8w";
            using var conn = new SqlConnection(builder.ConnectionString);
            conn.Open();
        }
    }
}
