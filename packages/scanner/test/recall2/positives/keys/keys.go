package keys

const signingKey = "-----BEGIN EC PRIVATE KEY-----\n" +
	"MHcCAQEE6I20M24UNR3W5hsPGyHfqQcViique9OG9BM90NMCLXdKidAdBQhLzXM/\n" +
	"oAoGCCqGSM49AwEHoUQDQgAEwRltN2MkdgtrNGTsptr40RB/zZNU+2qsdhZnbPSl\n" +
	"-----END EC PRIVATE KEY-----\n"
