package keys

var (
	hmacKey      = []byte("WKiNZ80sQsZm3Rb2OMltfyyypxHxUhfC391uBE7A")
	aesKey       = "a0b6c71a9842146f4d4cd0dc7a6af9b4188ce32ef0387844beaf49559dc4c1b5"
	keyLength    = 32
)
