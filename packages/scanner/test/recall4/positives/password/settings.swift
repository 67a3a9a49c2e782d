import Foundation

struct APIConfig {
    static let baseURL = URL(string: "https://api.acme.app")!
    static let username = "ios-client"
    static let password = "iOSclient#2022"
    static let passwordKey = "com.acme.password"
}

func keychainPassword() -> String? {
    return KeychainWrapper.standard.string(forKey: APIConfig.passwordKey)
}
