package main

import (
	"database/sql"
	"os"

	_ "github.com/go-sql-driver/mysql"
)

const (
	dbUser = "metrics"
	dbPass = "m3tr1cs_pw"
	defaultPasswordLength = 16
)

func main() {
	pw := os.Getenv("METRICS_DB_PASSWORD")
	if pw == "" {
		pw = dbPass
	}
	db, _ := sql.Open("mysql", dbUser+":"+pw+"@tcp(127.0.0.1:3306)/metrics")
	defer db.Close()
}
