req.SetBasicAuth("svc", "Go_basic_pw4")
req.Header.Set("Authorization", "Bearer "+token)
