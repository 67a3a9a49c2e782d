String pem = "-----BEGIN EC PRIVATE KEY-----\n" + "4DrMMDZxGLH/vXODX6uRGdW5nckOL/SpuyJmgM45MC81I05DKV7jyeqxSX9IkYxh\n" + "-----END EC PRIVATE KEY-----";
