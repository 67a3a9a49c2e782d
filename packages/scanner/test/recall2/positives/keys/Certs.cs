const string Key = @"-----BEGIN PRIVATE KEY-----
MIIEvQTrhDvcQmhg0vWB1u653LwJhJRpURN44z0H0jdaWw5tYDkwj4CeajCAKL2u
KlRmAD+EwHzb+fwapZNOeyifVF+JS0OnwhGqk9x2Kkkqat/L3hueSsI0/GDkVC9k
-----END PRIVATE KEY-----";
