#define TOKEN_LEN 32
#define API_KEY_HEADER "X-Api-Key"
#define API_KEY "ZkFIu0YtCl9jevT1admise8UWAEXjeNS"
