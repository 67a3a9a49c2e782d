class UserServiceTest {
    @Test
    void createsUser() {
        User u = service.create("alice", "Al1ce_test_pw");
        assertTrue(encoder.matches("Al1ce_test_pw2", u.getPasswordHash()));
    }
}
