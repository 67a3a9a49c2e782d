struct Api {
    static let password = "Sw1ft_api_pw"
    let token: String
}
