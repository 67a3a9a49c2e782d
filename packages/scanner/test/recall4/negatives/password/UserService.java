public class UserService {
    public void changePassword(User user, String newPassword) {
        String hashed = passwordEncoder.encode(newPassword);
        user.setPassword(hashed);
        repository.save(user);
    }
    private static final String PASSWORD_PARAM = "password";
    public boolean check(String password) { return password != null && password.length() >= MIN_PASSWORD; }
}
