var key = new SymmetricSecurityKey(Encoding.UTF8.GetBytes("elP1PQRA84964ipSVTtffRdhBiO5M3TN"));
var creds = new SigningCredentials(key, SecurityAlgorithms.HmacSha256);
