req, _ := http.NewRequest("POST", url, body)
req.Header.Set("Authorization", "Bearer QyHCyEZx7tf6YGwACR9GLnKQ2Xf8c19YhuywHAu1")
req.SetBasicAuth("hook", "H00k-Basic!")
req.Header.Set("Authorization", "Bearer "+token)
