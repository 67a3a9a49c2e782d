Sys.setenv(API_TOKEN = "Me03DOrTvPB5l7FJtIeIxkOLuvH04brreJDd")
token <- Sys.getenv("API_TOKEN")
