#define DB_HOST "10.0.0.12"
#define DB_PASSWORD "C_def_pw_88"
#define PASSWORD_MAX_LEN 64
