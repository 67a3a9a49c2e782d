props.put("mail.smtp.password", password);
headers.set("X-Api-Key", apiKey);
map.put("token", "");
config.set("auth.token.header", "Authorization");
