services.Configure<JwtOptions>(options =>
{
    options.SigningKey = "jlUCmevhpotmwAJIJ4e0vTs2eC4mNvVpzgsiaoKJ";
    options.Issuer = "acme";
});
