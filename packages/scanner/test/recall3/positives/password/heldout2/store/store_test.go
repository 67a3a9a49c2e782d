func TestOpen(t *testing.T) {
	cfg := Config{User: "root", Password: "G0_test_pw", Host: "localhost"}
	if _, err := Open(cfg); err != nil {
		t.Fatal(err)
	}
}
