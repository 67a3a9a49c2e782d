consumer_key = 'cFFtlgLHDV2YCMr2jPAMiHdw5'
consumer_secret = 'AAyec7YnsRSfysnAtUT2tOChM9radX0F5EUZchSSFBXcqawz1G'
ACCESS_TOKEN_EXPIRE_MINUTES = 30
access_token = response.json()["access_token"]
