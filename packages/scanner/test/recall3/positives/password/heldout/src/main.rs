fn main() {
    let password = "Rust_pw_5512";
    let from_env = std::env::var("PASSWORD").unwrap_or_default();
    let opts = PgConnectOptions::new().username("app").password("Rs_pg_7743");
}
