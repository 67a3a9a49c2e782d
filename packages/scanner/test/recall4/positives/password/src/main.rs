use std::env;

const DEFAULT_USER: &str = "rustapp";
const DEFAULT_PASSWORD: &str = "Rusty_Pa55";

fn main() {
    let password = env::var("APP_PASSWORD").unwrap_or_else(|_| DEFAULT_PASSWORD.to_string());
    let url = format!("postgres://{}:{}@localhost/app", DEFAULT_USER, password);
    println!("connecting as {}", DEFAULT_USER);
}
