func sign(c Claims) (string, error) {
	t := jwt.NewWithClaims(jwt.SigningMethodHS256, c)
	return t.SignedString([]byte("AAdOzRCaEDvtDI8g7IPD3ml6bhRyqDt9"))
}
