if (password.equals(confirmPassword)) {
    user.setPassword(encoder.encode(password));
}
String password = request.getParameter("password");
char[] password = console.readPassword("Password: ");
