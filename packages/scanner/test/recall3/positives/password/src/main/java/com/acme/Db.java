package com.acme;

import java.sql.DriverManager;

public class Db {
    private static final String PASSWORD_FIELD = "password";

    Connection open() throws Exception {
        return DriverManager.getConnection("jdbc:mysql://db:3306/app", "app", "Tr1dent#442");
    }

    void mail(Properties props) {
        props.put("mail.smtp.password", "Sm7p!Pass");
        String password = System.getenv("DB_PASSWORD");
        user.setPassword(passwordEncoder.encode(rawPassword));
    }
}
