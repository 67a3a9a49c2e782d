func TestLogin(t *testing.T) {
	req := LoginRequest{Username: "alice", Password: password}
	if err := validatePassword(req.Password); err != nil {
		t.Fatal(err)
	}
	cfg.Password = os.Getenv("TEST_PASSWORD")
}
