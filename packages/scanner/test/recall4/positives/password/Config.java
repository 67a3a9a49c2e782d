package com.acme.billing;

import java.sql.Connection;
import java.sql.DriverManager;

public class Config {
    private static final String DB_URL = "jdbc:postgresql://10.0.3.17:5432/billing";
    private static final String DB_USER = "billing";
    private static final String DB_PASSWORD = "B1ll!ng#2021";
    private static final String PASSWORD_FIELD = "password";

    public static Connection open() throws Exception {
        return DriverManager.getConnection(DB_URL, DB_USER, DB_PASSWORD);
    }

    public static Connection openAdmin() throws Exception {
        return DriverManager.getConnection(DB_URL, "postgres", "pg4dm1n_j03635sa");
    }

    public static String passwordFor(String user) {
        return System.getenv("BILLING_" + user.toUpperCase() + "_PASSWORD");
    }
}
