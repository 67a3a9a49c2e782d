enum Secrets {
    static let revenueCatKey = "appl_F8cogwS2OCQdyf9LoAlTcAKfVD1"
    static let algoliaAdminKey: String = "de0702182259ca7a38a3152d8c9a75d4"
    static let algoliaAppID = "RPOD97X94R"
}
