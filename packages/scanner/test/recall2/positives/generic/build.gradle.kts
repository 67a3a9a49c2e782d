publishing {
    repositories {
        maven {
            url = uri("https://repo.example.com/releases")
            credentials {
                username = "ci"
                password = "Orchid382$"
            }
        }
    }
}
