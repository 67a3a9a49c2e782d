PRIVATE_KEY = (
    "-----BEGIN PRIVATE KEY-----\n"
    "tqaMlJcTAMzkSuqzSQ+/iKr5Q7Zh8YM/Y9/GWGTLLrAG6niTJrcNezvRmGnvNJ/b\n"
    "XXcDshI26wzc55t2Br5wN08ySei40yf1qnGmiag/OoJT6qJXsLX7+N4nV+QDpLTO\n"
    "-----END PRIVATE KEY-----\n"
)
PUBLIC_KEY = open("pub.pem").read()
