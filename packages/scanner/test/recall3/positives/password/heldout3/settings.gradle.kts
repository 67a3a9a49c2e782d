dependencyResolutionManagement {
    repositories {
        maven("https://nexus.acme.io/repository/maven") {
            credentials {
                username = "reader"
                password = "Kts_repo_pw2"
            }
        }
    }
}
