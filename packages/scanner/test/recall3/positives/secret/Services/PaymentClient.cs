public class PaymentClient
{
    private const string ApiKey = "PJMaxKaMKQG8oaI0pZH2Jp4XiGjn2YQ1Wq2CShqONJoh";
    private readonly string _key = Environment.GetEnvironmentVariable("PAY_KEY");
}
