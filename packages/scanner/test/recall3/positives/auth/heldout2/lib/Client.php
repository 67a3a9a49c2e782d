curl_setopt($ch, CURLOPT_USERPWD, "api:Php_curl_pw8");
curl_setopt($ch, CURLOPT_USERPWD, $user . ":" . $pass);
